import {
  foldEvents,
  importJobDecider,
  importJobEventTypes,
  maxFailuresKept,
  parseImportJobEvent,
  type ImportJobDetails,
  type ImportJobEvent,
  type PieceStatus,
  type StoredImportJobEvent,
} from '@import-jobs/domain';
import fc from 'fast-check';
import { jobEvents, recordedStream, rowFailures } from '../testing/job-events';
import { projectJobView, type EventMeta, type JobView } from './job-view';
import { KnownPieces, type PieceLedger } from './piece-ledger';
import { projectJobStream, storedJobEventsOf } from './stored-job-events';

const jobId = 'job-1';
const job = jobEvents(jobId);
const report = { location: 's3://reports/job/failures.csv', rows: 130 };

describe('job view projection', () => {
  describe('when nothing was requested', () => {
    it('creates the view from the request', () => {
      expect(given(job.requested())).toEqual({
        jobId,
        tenantId: 'tenant-a',
        clientToken: `token-${jobId}`,
        jobType: 'CUSTOMERS',
        status: 'Requested',
        definition: job.definition,
        pieces: { total: 0, completed: 0, failed: 0, cancelled: 0 },
        plannedPieces: 0,
        rows: { processed: 0, failed: 0, imported: 0 },
        bytes: { total: 0, processed: 0 },
        files: 0,
        firstFailures: [],
        failureReason: null,
        failureReport: null,
        createdAt: job.at(0),
        lastModifiedAt: job.at(0),
        completedAt: null,
        startedAt: null,
        revision: 0,
        lastPosition: { commit: '100', prepare: '1000' },
      } satisfies JobView);
    });

    it('leaves no view for events before the request', () => {
      expect(given(job.planningStarted(), ...job.planned(2))).toBeNull();
    });
  });

  describe('when planning', () => {
    it('records when planning started, as Userpilot start_time', () => {
      expect(given(job.requested(), job.planningStarted(5))).toMatchObject({ status: 'Planning', startedAt: job.at(5), lastModifiedAt: job.at(5) });
    });
  });

  describe('when processing', () => {
    const processing = [job.requested(), job.planningStarted(), ...job.planned(3)];

    it('takes pieces, files and bytes from the plan', () => {
      expect(given(...processing)).toMatchObject({
        status: 'Processing',
        pieces: { total: 3, completed: 0, failed: 0, cancelled: 0 },
        plannedPieces: 3,
        files: 1,
        bytes: { total: 3000, processed: 0 },
      });
    });

    it('adds up the rows of settled pieces; imported rows are processed minus failed', () => {
      const view = given(...processing, job.pieceCompleted(1, { rowsProcessed: 10, rowsFailed: 2 }), job.pieceCompleted(2, { rowsProcessed: 7 }), job.pieceFailed(3));

      expect(view).toMatchObject({
        pieces: { total: 3, completed: 2, failed: 1, cancelled: 0 },
        rows: { processed: 17, failed: 2, imported: 15 },
        bytes: { total: 3000, processed: 2000 },
      });
    });

    it('keeps the first 100 row failures across pieces', () => {
      const view = given(
        ...processing,
        job.pieceCompleted(1, { rowsProcessed: 80, rowsFailed: 80, failures: rowFailures(80) }),
        job.pieceCompleted(2, { rowsProcessed: 80, rowsFailed: 80, failures: rowFailures(80, { from: 1000 }) }),
      );

      expect(view?.firstFailures).toHaveLength(maxFailuresKept);
      expect(view?.firstFailures.at(-1)).toEqual(rowFailures(20, { from: 1000 }).at(-1));
      expect(view?.rows.failed).toBe(160);
    });

    it('counts a piece once even if its result is stored again at a later revision', () => {
      const twice = given(...processing, job.pieceCompleted(1), job.pieceCompleted(1));
      expect(twice).toMatchObject({ pieces: { completed: 1 }, rows: { processed: 10 }, revision: 5 });
    });

    it('ignores a piece that is not in the plan', () => {
      expect(given(...processing, job.pieceCompleted(9))).toMatchObject({ pieces: { completed: 0 }, rows: { processed: 0 } });
    });
  });

  describe('when finished', () => {
    it('completes with the failure report', () => {
      const view = given(job.requested(), job.planningStarted(), ...job.planned(1), job.pieceCompleted(1), job.completing(), job.completed(report, 30));
      expect(view).toMatchObject({ status: 'Completed', completedAt: job.at(30), lastModifiedAt: job.at(30), failureReport: report, failureReason: null });
    });

    it('fails with the reason', () => {
      const reason = { code: 'PIECES_FAILED', message: '1 of 1 pieces failed' } as const;
      const view = given(job.requested(), job.planningStarted(), ...job.planned(1), job.pieceFailed(1), job.failing(reason), job.jobFailed(reason, report, 30));
      expect(view).toMatchObject({ status: 'Failed', completedAt: job.at(30), failureReason: reason, failureReport: report });
    });

    it('is cancelled', () => {
      const view = given(job.requested(), job.planningStarted(), ...job.planned(2), job.cancelling(), job.pieceCancelled(1), job.pieceCancelled(2), job.cancelled(30));
      expect(view).toMatchObject({ status: 'Cancelled', completedAt: job.at(30), pieces: { total: 2, cancelled: 2 } });
    });
  });

  describe('when an event arrives again', () => {
    const stream = [job.requested(), job.planningStarted(), ...job.planned(2), job.pieceCompleted(1), job.pieceCompleted(2), job.completing(), job.completed()];

    it('ignores every event at or below the view revision, and records no piece', () => {
      const pieces = new KnownPieces();
      const view = givenWith(pieces, ...stream);
      const recorded = new Recording(pieces);
      stream.forEach((event, revision) => expect(projectJobView(view, current(event), meta(revision), recorded)).toBe(view));
      expect(recorded.records).toEqual([]);
    });

    it('gives the same view for a stream applied twice', () => {
      const pieces = new KnownPieces();
      const once = givenWith(pieces, ...stream);
      expect(stream.reduce<JobView | null>((view, event, revision) => projectJobView(view, current(event), meta(revision), pieces), once)).toBe(once);
    });

    it('ignores an older event delivered after a newer one', () => {
      const pieces = new KnownPieces();
      const view = givenWith(pieces, job.requested(), job.planningStarted(), ...job.planned(2));
      const late = projectJobView(view, current(job.pieceCompleted(1)), meta(1), pieces);
      expect(late).toBe(view);
      expect(pieces.statusOf(jobId, 'piece-1')).toBe('pending');
    });

    it('moves its revision and position past an event that changes nothing else', () => {
      const pieces = new KnownPieces();
      const view = givenWith(pieces, job.requested(), job.planningStarted(), ...job.planned(2));
      expect(projectJobView(view, current(job.pieceCompleted(9)), meta(7), pieces)).toMatchObject({ revision: 7, lastPosition: { commit: '107', prepare: '1007' } });
    });
  });

  it('holds the counters of the aggregate for the same stream', () => {
    const stream = [
      job.requested(),
      job.planningStarted(),
      ...job.planned(4),
      job.pieceCompleted(1, { rowsProcessed: 12, rowsFailed: 3, failures: rowFailures(3) }),
      job.pieceFailed(2),
      job.pieceCompleted(2),
      job.pieceCompleted(3, { rowsProcessed: 5 }),
      job.pieceCompleted(4, { rowsProcessed: 9, rowsFailed: 9, failures: rowFailures(9, { from: 40 }) }),
      job.failing({ code: 'PIECES_FAILED', message: '1 of 4 pieces failed' }),
      job.jobFailed({ code: 'PIECES_FAILED', message: '1 of 4 pieces failed' }, report),
    ];
    const aggregate = foldEvents(importJobDecider, stream.flatMap(current)) as ImportJobDetails;

    const pieces = new KnownPieces();
    const view = givenWith(pieces, ...stream);

    expect([...aggregate.pieces].map(([pieceId]) => pieces.statusOf(jobId, pieceId))).toEqual([...aggregate.pieces.values()]);
    expect(view).toMatchObject({
      status: aggregate.status,
      pieces: aggregate.pieceCounts,
      plannedPieces: aggregate.pieces.size,
      rows: aggregate.rows,
      bytes: aggregate.bytes,
      files: aggregate.files,
      firstFailures: aggregate.firstFailures,
      failureReason: aggregate.failureReason,
      failureReport: aggregate.failureReport,
      createdAt: aggregate.createdAt,
      lastModifiedAt: aggregate.lastModifiedAt,
      completedAt: aggregate.completedAt,
    });
  });

  it('counts pieces as the aggregate does, whatever piece events the stream holds, with the ledger read only for the pieces each event names', () => {
    const pieceEvent = fc.tuple(fc.constantFrom('completed', 'failed', 'cancelled', 'planned'), fc.integer({ min: 1, max: 8 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(pieceEvent, { maxLength: 30 }), (planned, later) => {
        const stream = [
          job.requested(),
          job.planningStarted(),
          ...job.planned(planned),
          ...later.map(([kind, n]) => {
            if (kind === 'completed') return job.pieceCompleted(n);
            if (kind === 'failed') return job.pieceFailed(n);
            if (kind === 'cancelled') return job.pieceCancelled(n);
            return job.planned(n)[0]!;
          }),
        ];
        const aggregate = foldEvents(importJobDecider, stream.flatMap(current)) as ImportJobDetails;
        const pieces = new Recording(new KnownPieces());

        const view = givenWith(pieces, ...stream);
        const reads = [...pieces.reads];

        // The view counts every piece the job knows, its plan complete or not.
        expect(view).toMatchObject({ pieces: { ...aggregate.pieceCounts, total: aggregate.pieces.size }, plannedPieces: aggregate.pieces.size, rows: aggregate.rows, bytes: aggregate.bytes });
        expect([...aggregate.pieces].map(([pieceId]) => pieces.statusOf(jobId, pieceId))).toEqual([...aggregate.pieces.values()]);
        const named = stream.flatMap((event) =>
          event.type === 'PiecesPlanned.v1' ? event.data.pieces.map((piece) => piece.pieceId) : 'pieceId' in event.data ? [event.data.pieceId] : [],
        );
        expect(reads.length).toBeLessThanOrEqual(named.length);
        expect(reads.every((pieceId) => named.includes(pieceId))).toBe(true);
      }),
    );
  });

  describe('of a plan recorded whole, as older releases recorded it', () => {
    const settled = [job.pieceCompleted(1, { rowsProcessed: 7, rowsFailed: 2, failures: rowFailures(2) }), job.pieceFailed(3)];
    // Only where the view stands in its stream differs: the chunked stream has more events.
    const withoutPlace = (view: JobView | null) => ({ ...view, revision: undefined, lastPosition: undefined });

    it('shows the job a plan recorded in chunks shows', () => {
      const [firstChunk, totals] = job.planned(3) as [Extract<StoredImportJobEvent, { type: 'PiecesPlanned.v1' }>, StoredImportJobEvent];
      const { pieces } = firstChunk.data;
      const chunked = [{ ...firstChunk, data: { ...firstChunk.data, pieces: pieces.slice(0, 2) } }, { ...firstChunk, data: { ...firstChunk.data, chunk: 1, pieces: pieces.slice(2) } }, totals];
      const fromChunks = given(job.requested(), job.planningStarted(), ...chunked, ...settled);
      const fromWhole = given(job.requested(), job.planningStarted(), job.plannedWhole(3), ...settled);

      expect(fromWhole).toMatchObject({ status: 'Processing', pieces: { total: 3, completed: 1, failed: 1 }, files: 1, bytes: { total: 3000 } });
      expect(withoutPlace(fromWhole)).toEqual(withoutPlace(fromChunks));
    });

    it('counts the pieces found so far while the plan is being found', () => {
      const [firstChunk] = job.planned(2);
      expect(given(job.requested(), job.planningStarted(), firstChunk!)).toMatchObject({ status: 'Planning', pieces: { total: 2 } });
    });
  });

  it('survives a JSON round trip unchanged, as the read model stores it', () => {
    const view = given(job.requested(), job.planningStarted(), ...job.planned(2), job.pieceCompleted(1, { rowsFailed: 1, failures: rowFailures(1) }));
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  describe('when a stored event cannot be read', () => {
    const processing = [job.requested(), job.planningStarted(), ...job.planned(1)];

    it.each<[string, StoredImportJobEvent, (data: Record<string, unknown>) => Record<string, unknown>]>([
      ['a request naming no tenant', job.requested(), ({ tenantId: _tenantId, ...data }) => data],
      ['a result with more failed rows than processed', job.pieceCompleted(1), (data) => ({ ...data, rowsProcessed: 5, rowsFailed: 9 })],
      ['a result with negative bytes', job.pieceCompleted(1), (data) => ({ ...data, bytesProcessed: -3 })],
      ['a result whose failures are not a list', job.pieceCompleted(1), (data) => ({ ...data, firstFailures: 'none' })],
      ['an end at a time that is not one', job.completed(), (data) => ({ ...data, occurredAt: 'yesterday' })],
    ])('leaves %s out, as the side that decides does', (_case, event, spoil) => {
      const spoilt = { type: event.type, data: spoil(event.data as unknown as Record<string, unknown>) };
      const before = event.type === 'ImportRequested.v1' ? [] : processing;

      expect(withoutPlace(given(...before, spoilt))).toEqual(withoutPlace(given(...before)));
    });

    it('writes every time in one ISO-8601 form', () => {
      const requested = job.requested();
      const view = given({ ...requested, data: { ...requested.data, occurredAt: '2026-03-01T11:00:00+01:00' } });
      expect(view?.createdAt).toBe('2026-03-01T10:00:00.000Z');
    });

    it('never throws, whatever the data of an event', () => {
      const anyEvent = fc.record({
        type: fc.constantFrom(...importJobEventTypes),
        data: fc.oneof(fc.object(), fc.record({ jobId: fc.constant(jobId), tenantId: fc.string(), definition: fc.object(), pieces: fc.anything() })),
      });
      fc.assert(
        fc.property(fc.array(anyEvent, { maxLength: 12 }), (events) => {
          const view = given(job.requested(), ...events);
          expect(view).not.toBeNull();
          expect(JSON.parse(JSON.stringify(view))).toEqual(view);
        }),
      );
    });

    function withoutPlace(view: JobView | null) {
      return view === null ? null : { ...view, revision: undefined, lastPosition: undefined };
    }
  });
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

/** The view after the events, stored in the job's stream each at the next revision from 0. */
function given(...events: { readonly type: string; readonly data: unknown }[]): JobView | null {
  return projectJobStream(recordedStream(jobId, events));
}

/** As `given`, with the piece ledger the caller keeps. */
function givenWith(pieces: PieceLedger, ...events: { readonly type: string; readonly data: unknown }[]): JobView | null {
  return storedJobEventsOf(recordedStream(jobId, events)).reduce<JobView | null>((view, stored) => projectJobView(view, stored.events, stored.meta, pieces), null);
}

/** A ledger that notes which pieces were read and recorded. */
class Recording implements PieceLedger {
  readonly reads: string[] = [];
  readonly records: [string, PieceStatus][] = [];

  constructor(private readonly ledger: PieceLedger) {}

  statusOf(job: string, pieceId: string): PieceStatus | undefined {
    this.reads.push(pieceId);
    return this.ledger.statusOf(job, pieceId);
  }

  record(job: string, pieceId: string, status: PieceStatus): void {
    this.records.push([pieceId, status]);
    this.ledger.record(job, pieceId, status);
  }
}

/** The current events a readable stored event stands for. */
function current(event: StoredImportJobEvent): readonly ImportJobEvent[] {
  const parsed = parseImportJobEvent(event.type, event.data);
  if (parsed.kind !== 'event') throw new Error(`${event.type} does not read`);
  return parsed.events;
}

function meta(revision: number): EventMeta {
  return { streamRevision: BigInt(revision), position: { commit: 100n + BigInt(revision), prepare: 1000n + BigInt(revision) } };
}
