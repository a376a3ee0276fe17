import { foldEvents } from '../decider';
import { importJobDecider } from '../import-job/decide';
import type { ImportDefinition } from '../import-job/definition';
import type { ImportJobEvent, PieceSpec } from '../import-job/events';
import { PieceStatuses } from '../import-job/piece-statuses';
import {
  admitPiece,
  failureListsToReport,
  needsFinishing,
  nothingOut,
  pieceClaimed,
  pieceClaimStreamId,
  piecesInTurn,
  type PiecesInTurn,
  type PlannedWork,
} from './piece-lifecycle';

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

    it('imports a pending piece of a recorded chunk while its job is still planning', () => {
      const midPlan = given(requested(), planningStarted(), chunk(0, [piece(1), piece(2)]), chunk(1, [piece(3)]));
      expect(admitPiece(midPlan, 'piece-3', anyWork)).toBe('import');
      expect(admitPiece(midPlan, 'piece-4', anyWork)).toBe('skip');
    });

    it('cancels a pending piece of a job cancelled while it was planning', () => {
      expect(admitPiece(given(requested(), planningStarted(), chunk(0, [piece(1), piece(2)]), cancelling()), 'piece-2', anyWork)).toBe('cancel');
    });

    it.each([
      ['its job does not exist', () => given()],
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

  describe("taking a job's turns", () => {
    const idsOf = (decision: PiecesInTurn) => (decision.kind === 'turn' ? decision.work.map((work) => work.piece.pieceId) : decision);
    const sentBy = (decision: PiecesInTurn) => {
      if (decision.kind !== 'turn') throw new Error(`the job is ${decision.status}`);
      return decision.sent;
    };

    it('sends the first pieces still pending, in plan order, up to the most a job may have out', () => {
      const decision = piecesInTurn(given(requested(), ...planned(6), completed(2)), nothingOut, 3);
      expect(idsOf(decision)).toEqual(['piece-1', 'piece-3', 'piece-4']);
      expect(decision).toMatchObject({ sent: { out: ['piece-1', 'piece-3', 'piece-4'], next: 4 } });
    });

    it('sends the whole work of each piece, as planned', () => {
      const decision = piecesInTurn(given(requested(), ...planned(2)), nothingOut, 1);
      expect(decision).toMatchObject({ work: [{ jobId, tenantId: 'tenant-a', format: 'JSON', keyField: 'id', schema: { type: 'object' }, piece: piece(1) }] });
    });

    it('sends nothing more while its pieces out have not settled', () => {
      const job = given(requested(), ...planned(6));
      const sent = sentBy(piecesInTurn(job, nothingOut, 3));
      expect(piecesInTurn(job, sent, 3)).toEqual({ kind: 'turn', work: [], cancel: [], sent });
    });

    it('sends the next pending piece for each piece settled, whichever settled', () => {
      const sent = sentBy(piecesInTurn(given(requested(), ...planned(6)), nothingOut, 3));
      const after = given(requested(), ...planned(6), completed(2), failed(3));
      expect(piecesInTurn(after, sent, 3)).toMatchObject({
        work: [{ piece: piece(4) }, { piece: piece(5) }],
        sent: { out: ['piece-1', 'piece-4', 'piece-5'], next: 5 },
      });
    });

    it('sends the current turn again when it remembers nothing, as after a restart', () => {
      expect(idsOf(piecesInTurn(given(requested(), ...planned(6), completed(1), completed(3)), nothingOut, 2))).toEqual(['piece-2', 'piece-4']);
    });

    it('never has more pieces out than allowed, and sends every piece once, in whatever order they settle', () => {
      const pieces = 50;
      const maxOut = 4;
      let job = given(requested(), ...planned(pieces));
      let remembered = nothingOut;
      const sent: string[] = [];
      const unsettled = new Set<string>();
      // A fixed, scattered order of settling: the newest piece out, then the oldest, in turn.
      for (let round = 0; sent.length < pieces || unsettled.size > 0; round++) {
        const decision = piecesInTurn(job, remembered, maxOut);
        for (const work of decision.kind === 'turn' ? decision.work : []) {
          sent.push(work.piece.pieceId);
          unsettled.add(work.piece.pieceId);
        }
        remembered = sentBy(decision);
        expect(unsettled.size).toBeLessThanOrEqual(maxOut);
        const order = [...unsettled];
        const settling = round % 2 === 0 ? order.at(-1)! : order[0]!;
        unsettled.delete(settling);
        job = importJobDecider.evolve(job, round % 3 === 0 ? failed(Number(settling.slice('piece-'.length))) : completed(Number(settling.slice('piece-'.length))));
      }
      expect([...sent].sort()).toEqual(Array.from({ length: pieces }, (_, index) => `piece-${index + 1}`).sort());
    });

    it('looks at each piece a bounded number of times over the life of a job of 10,000 pieces, not the whole plan per turn', () => {
      const pieces = 10_000;
      const maxOut = 8;
      let job = given(requested(), ...planned(pieces));
      let remembered = nothingOut;
      const spy = jest.spyOn(PieceStatuses.prototype, 'get');
      let lookUps = 0;
      try {
        for (let settled = 1; settled <= pieces; settled++) {
          const before = spy.mock.calls.length;
          const decision = piecesInTurn(job, remembered, maxOut);
          lookUps += spy.mock.calls.length - before;
          remembered = sentBy(decision);
          job = importJobDecider.evolve(job, completed(settled));
        }
      } finally {
        spy.mockRestore();
      }
      // Each turn looks at the pieces out, and each piece is looked at once more as it enters its turn.
      expect(lookUps).toBeLessThanOrEqual(pieces * maxOut + pieces);
    });

    it("sends a cancelling job's turn, each piece to be settled by a worker, and cancels at once every pending piece after it", () => {
      const decision = piecesInTurn(given(requested(), ...planned(6), completed(4), cancelling()), nothingOut, 2);
      expect(idsOf(decision)).toEqual(['piece-1', 'piece-2']);
      expect(decision).toMatchObject({ cancel: ['piece-3', 'piece-5', 'piece-6'], sent: { out: ['piece-1', 'piece-2'], next: 6 } });
    });

    it('cancels no piece of a cancelling job twice, nor any piece already sent', () => {
      const job = given(requested(), ...planned(6));
      const sent = sentBy(piecesInTurn(job, nothingOut, 2));
      const onCancel = piecesInTurn(importJobDecider.evolve(job, cancelling()), sent, 2);
      expect(onCancel).toMatchObject({ work: [], cancel: ['piece-3', 'piece-4', 'piece-5', 'piece-6'] });
      const after = given(requested(), ...planned(6), cancelling(), cancelled(3), cancelled(4), cancelled(5), cancelled(6), cancelled(1));
      expect(piecesInTurn(after, sentBy(onCancel), 2)).toEqual({ kind: 'turn', work: [], cancel: [], sent: { out: ['piece-2'], next: 6 } });
    });

    it('cancels nothing of a processing job', () => {
      expect(piecesInTurn(given(requested(), ...planned(6)), nothingOut, 2)).toMatchObject({ cancel: [] });
    });

    it.each([
      ['Failing', () => given(requested(), ...planned(2), failed(1), failing())],
      ['Completed', () => given(requested(), ...planned(1), completed(1), completing(), finished())],
    ])('sends nothing for a job that is %s', (status, job) => {
      expect(piecesInTurn(job(), nothingOut, 8)).toEqual({ kind: 'skip', status });
    });

    it('sends nothing for a job planning with no chunk recorded yet', () => {
      expect(piecesInTurn(given(requested(), planningStarted()), nothingOut, 8)).toEqual({ kind: 'turn', work: [], cancel: [], sent: { out: [], next: 0 } });
    });

    it('takes turns while the job is still planning, each chunk recorded extending the pieces it has to send', () => {
      const firstChunk = given(requested(), planningStarted(), chunk(0, [piece(1), piece(2), piece(3)]));
      const first = piecesInTurn(firstChunk, nothingOut, 2);
      expect(idsOf(first)).toEqual(['piece-1', 'piece-2']);
      const settled = importJobDecider.evolve(importJobDecider.evolve(firstChunk, completed(1)), completed(2));
      const second = piecesInTurn(settled, sentBy(first), 2);
      expect(idsOf(second)).toEqual(['piece-3']);
      const nextChunk = importJobDecider.evolve(settled, chunk(1, [piece(4), piece(5)]));
      expect(idsOf(piecesInTurn(nextChunk, sentBy(second), 2))).toEqual(['piece-4']);
    });

    it("cancels at once every pending piece after the turn of a job cancelled while planning", () => {
      const decision = piecesInTurn(given(requested(), planningStarted(), chunk(0, [piece(1), piece(2)]), chunk(1, [piece(3), piece(4)]), cancelling()), nothingOut, 1);
      expect(idsOf(decision)).toEqual(['piece-1']);
      expect(decision).toMatchObject({ cancel: ['piece-2', 'piece-3', 'piece-4'], sent: { next: 4 } });
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

function cancelled(n: number): ImportJobEvent {
  return { type: 'PieceCancelled.v1', data: { jobId, pieceId: `piece-${n}`, occurredAt } };
}
