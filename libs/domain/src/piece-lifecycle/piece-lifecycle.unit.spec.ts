import { foldEvents } from '../decider';
import { importJobDecider } from '../import-job/decide';
import type { ImportDefinition } from '../import-job/definition';
import type { ImportJobEvent, PieceSpec } from '../import-job/events';
import { admitPiece, failureListsToReport, needsFinishing, pieceClaimed, pieceClaimStreamId, workToPublish, type PlannedWork } from './piece-lifecycle';

const jobId = 'job-7';
const definition: ImportDefinition = {
  jobType: 'CUSTOMERS',
  format: 'JSON',
  sources: [{ url: 's3://imports/customers.ndjson', type: 'object' }],
  destinationTopic: 'customers.imported',
  keyField: 'id',
  schema: { type: 'object' },
  metadata: {},
  failurePolicy: { maxFailedRowRatio: 0 },
};
const occurredAt = '2026-12-02T08:00:00.000Z';

/** Given the job's events, so that no test reaches a state its stream could not hold. */
function given(...events: ImportJobEvent[]) {
  return foldEvents(importJobDecider, events);
}

const anyWork = () => true;

describe('piece lifecycle', () => {
  describe('admitting a piece offered to a worker', () => {
    it('imports a pending piece of a processing job', () => {
      expect(admitPiece(given(requested(), ...planned(2)), 'piece-1', anyWork)).toBe('import');
    });

    it('cancels a pending piece of a cancelling job, so that the job can end', () => {
      expect(admitPiece(given(requested(), ...planned(2), cancelling()), 'piece-2', anyWork)).toBe('cancel');
    });

    it.each([
      ['its job does not exist', () => given()],
      ['its job is still planning', () => given(requested(), planningStarted(), chunk(0, [piece(1)]))],
      ['it is settled already', () => given(requested(), ...planned(2), completed(1))],
      ['its job is failing', () => given(requested(), ...planned(2), failed(2), failing())],
      ['its job is over', () => given(requested(), ...planned(2), failed(2), failing(), jobFailed())],
    ])('skips a piece when %s', (_, job) => {
      expect(admitPiece(job(), 'piece-1', anyWork)).toBe('skip');
    });

    it('skips a piece its job never planned', () => {
      expect(admitPiece(given(requested(), ...planned(2)), 'piece-9', anyWork)).toBe('skip');
    });

    it('compares the offered work with exactly the planned one, and skips it when they differ', () => {
      const compared: PlannedWork[] = [];
      const differs = (planned: PlannedWork) => {
        compared.push(planned);
        return false;
      };
      expect(admitPiece(given(requested(), ...planned(2)), 'piece-2', differs)).toBe('skip');
      expect(compared).toEqual([
        { jobId, tenantId: 'tenant-a', format: 'JSON', keyField: 'id', schema: { type: 'object' }, piece: piece(2) },
      ]);
    });
  });

  describe('publishing work items', () => {
    it('publishes every piece still pending, in plan order', () => {
      const decision = workToPublish(given(requested(), ...planned(3), completed(2)));
      expect(decision).toMatchObject({ kind: 'publish' });
      expect(decision.kind === 'publish' && decision.work.map((work) => work.piece.pieceId)).toEqual(['piece-1', 'piece-3']);
    });

    it("publishes a cancelling job's pending pieces, each to be settled as cancelled", () => {
      const decision = workToPublish(given(requested(), ...planned(2), cancelling()));
      expect(decision.kind === 'publish' && decision.work.map((work) => work.piece.pieceId)).toEqual(['piece-1', 'piece-2']);
    });

    it.each([
      ['Failing', () => given(requested(), ...planned(2), failed(1), failing())],
      ['Completed', () => given(requested(), ...planned(1), completed(1), completing(), finished())],
      ['Planning', () => given(requested(), planningStarted(), chunk(0, [piece(1)]))],
    ])('publishes nothing for a job that is %s', (status, job) => {
      expect(workToPublish(job())).toEqual({ kind: 'skip', status });
    });
  });

  describe('finishing', () => {
    it.each([
      ['completing', () => given(requested(), ...planned(1), completed(1), completing()), true],
      ['failing', () => given(requested(), ...planned(2), failed(1), failing()), true],
      ['processing', () => given(requested(), ...planned(2), completed(1)), false],
      ['over', () => given(requested(), ...planned(1), completed(1), completing(), finished()), false],
    ])('a job that is %s needs finishing: %s', (_, job, expected) => {
      expect(needsFinishing(job())).toBe(expected);
    });

    it("reports only the failure lists written where the job's own pieces write", () => {
      const ownList = (pieceId: string) => `s3://reports/${jobId}/${pieceId}.csv`;
      const events = [
        completed(1, ownList('piece-1')),
        completed(2, 's3://reports/job-8/piece-2.csv'),
        completed(3, ownList('piece-1')),
        completed(4),
      ];
      expect(failureListsToReport(events, ownList)).toEqual(['s3://reports/job-7/piece-1.csv']);
    });
  });

  it('names a claim by the copy of the work item that made it, in a stream of its own per piece', () => {
    expect(pieceClaimStreamId(jobId, 'piece-1')).toBe('piece-claim-job-7-piece-1');
    expect(pieceClaimed(jobId, 'piece-1', { topic: 'import-jobs.pieces', partition: 3, offset: '41' })).toEqual({
      type: 'PieceClaimed.v1',
      data: { jobId, pieceId: 'piece-1', topic: 'import-jobs.pieces', partition: 3, offset: '41' },
    });
  });
});

function piece(n: number): PieceSpec {
  return {
    pieceId: `piece-${n}`,
    object: { bucket: 'imports', key: 'customers.ndjson', etag: '"e1"', size: 3000 },
    range: { start: (n - 1) * 1000, end: n * 1000 },
    compression: 'none',
    firstLine: (n - 1) * 10 + 1,
    destinationTopic: definition.destinationTopic,
  };
}

function requested(): ImportJobEvent {
  return { type: 'ImportRequested.v1', data: { jobId, tenantId: 'tenant-a', clientToken: 'token-1', definition, occurredAt } };
}

function chunk(index: number, pieces: PieceSpec[]): ImportJobEvent {
  return { type: 'PiecesPlanned.v1', data: { jobId, chunk: index, pieces, occurredAt } };
}

function planned(count: number): ImportJobEvent[] {
  const pieces = Array.from({ length: count }, (_, index) => piece(index + 1));
  return [chunk(0, pieces), { type: 'ImportPlanned.v2', data: { jobId, pieces: count, files: 1, totalBytes: count * 1000, occurredAt } }];
}

function completed(n: number, failureListLocation?: string): ImportJobEvent {
  return {
    type: 'PieceCompleted.v1',
    data: { jobId, pieceId: `piece-${n}`, rowsProcessed: 10, rowsFailed: 0, bytesProcessed: 1000, firstFailures: [], ...(failureListLocation && { failureListLocation }), occurredAt },
  };
}

function failed(n: number): ImportJobEvent {
  return { type: 'PieceFailed.v1', data: { jobId, pieceId: `piece-${n}`, reason: { code: 'SOURCE_CHANGED', message: 'the object changed' }, occurredAt } };
}

function planningStarted(): ImportJobEvent {
  return { type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt } };
}

function failing(): ImportJobEvent {
  return { type: 'ImportFailing.v1', data: { jobId, reason: { code: 'PIECES_FAILED', message: 'a piece failed' }, occurredAt } };
}

function completing(): ImportJobEvent {
  return { type: 'ImportCompleting.v1', data: { jobId, occurredAt } };
}

function jobFailed(): ImportJobEvent {
  return { type: 'JobFailed.v1', data: { jobId, reason: { code: 'PIECES_FAILED', message: 'a piece failed' }, occurredAt } };
}

function cancelling(): ImportJobEvent {
  return { type: 'ImportCancelling.v1', data: { jobId, occurredAt } };
}

function finished(): ImportJobEvent {
  return { type: 'ImportCompleted.v1', data: { jobId, occurredAt } };
}
