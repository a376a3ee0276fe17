import * as fc from 'fast-check';
import {
  decide,
  eventIdentity,
  evolve,
  initialState,
  isFinished,
  type ImportDefinition,
  type ImportJob,
  type ImportJobCommand,
  type ImportJobDetails,
  type ImportJobEvent,
  type PieceOutcome,
  type PieceSpec,
  type RowFailure,
} from '@import-jobs/domain';

// The aggregate's property test lives outside libs/domain, whose files import nothing but TypeScript.
// Kafka delivers piece results at least once and in no set order, and the finisher may try to end
// the job at any moment: whatever the order and however often each result arrives, the job must
// end in the same state, with each piece settled once and exactly one terminal event.

const runs = { numRuns: 200 };
const jobId = 'job-property';
const file = 's3://imports/data.csv';

const rowFailure = fc.record({ line: fc.integer({ min: 2, max: 10_000 }), reason: fc.constantFrom('id: must be a number', 'too many fields') });

const completedOutcome = fc
  .record({
    rowsProcessed: fc.nat({ max: 1_000 }),
    failures: fc.uniqueArray(rowFailure, { maxLength: 3, selector: (failure) => failure.line }),
    bytesProcessed: fc.nat({ max: 100_000 }),
  })
  .map(({ rowsProcessed, failures, bytesProcessed }): PieceOutcome => ({
    kind: 'completed',
    rowsProcessed: Math.max(rowsProcessed, failures.length),
    rowsFailed: failures.length,
    bytesProcessed,
    firstFailures: failures.map((failure): RowFailure => ({ file, ...failure })),
  }));

const outcome: fc.Arbitrary<PieceOutcome> = fc.oneof(
  { weight: 4, arbitrary: completedOutcome },
  { weight: 1, arbitrary: fc.constant<PieceOutcome>({ kind: 'failed', reason: { code: 'SOURCE_CHANGED', message: 'the object changed after planning' } }) },
);

/** A plan, one outcome per piece, and the order in which results (each at least once) and finish attempts arrive. */
const scenario = fc
  .record({ outcomes: fc.array(outcome, { minLength: 1, maxLength: 8 }), maxFailedRowRatio: fc.constantFrom(0, 0.01, 0.5, 1) })
  .chain(({ outcomes, maxFailedRowRatio }) =>
    fc.record({
      outcomes: fc.constant(outcomes),
      maxFailedRowRatio: fc.constant(maxFailedRowRatio),
      arrivals: fc
        .array(fc.integer({ min: 1, max: 3 }), { minLength: outcomes.length, maxLength: outcomes.length })
        .chain((copies) => {
          const results = copies.flatMap((count, piece) => Array.from({ length: count }, () => piece));
          const finishAttempts = Array.from({ length: 3 }, () => -1);
          return fc.shuffledSubarray([...results, ...finishAttempts], { minLength: results.length + finishAttempts.length });
        }),
    }),
  );

describe('import job under redelivered, reordered piece results', () => {
  it('ends in the same state, each piece settled once and one terminal event, whatever the order and duplication', () => {
    fc.assert(
      fc.property(scenario, ({ outcomes, maxFailedRowRatio, arrivals }) => {
        const pieces = outcomes.map((_, index) => pieceSpec(index));
        const start = plannedJob(pieces, maxFailedRowRatio);

        const shuffled = run(start, arrivals.map((arrival) => (arrival === -1 ? finish() : pieceResult(arrival, outcomes))));
        const inOrder = run(start, [...outcomes.map((_, index) => pieceResult(index, outcomes)), finish()]);

        expect(isFinished(shuffled.state.status)).toBe(true);
        expect(comparable(shuffled.state)).toEqual(comparable(inOrder.state));
        expect(shuffled.identities.filter((identity) => identity === 'terminal')).toHaveLength(1);
        expect(new Set(shuffled.identities).size).toBe(shuffled.identities.length);
        for (const piece of pieces) expect(shuffled.identities).toContain(`piece-settled:${piece.pieceId}`);
      }),
      runs,
    );
  });
});

/** Decides each command against the state so far and folds what it decides, as the command handlers do. */
function run(start: ImportJob, commands: readonly ImportJobCommand[]): { state: ImportJobDetails; identities: string[] } {
  let state = start;
  const identities: string[] = [];
  for (const command of commands) {
    let events: readonly ImportJobEvent[];
    try {
      events = decide(command, state);
    } catch {
      // The finisher asked before every piece was in: refused, and it asks again later.
      expect(command.type).toBe('FinishImport.v1');
      continue;
    }
    identities.push(...events.map(eventIdentity));
    state = events.reduce(evolve, state);
  }
  // The finisher's last word, once every result is in.
  const closing = decide(finish(), state);
  identities.push(...closing.map(eventIdentity));
  return { state: closing.reduce(evolve, state) as ImportJobDetails, identities };
}

/** What must not depend on delivery order: the times and the order of kept failures may. */
function comparable(job: ImportJobDetails) {
  return {
    status: job.status,
    pieces: [...job.pieces.entries()].sort(),
    pieceCounts: job.pieceCounts,
    rows: job.rows,
    bytes: job.bytes,
    failureCode: job.failureReason?.code,
    firstFailures: [...job.firstFailures].sort((a, b) => a.line - b.line || a.reason.localeCompare(b.reason)),
  };
}

function plannedJob(pieces: readonly PieceSpec[], maxFailedRowRatio: number): ImportJob {
  const definition: ImportDefinition = {
    jobType: 'CUSTOMERS',
    format: 'CSV',
    sources: [{ url: file, type: 'object' }],
    destinationTopic: 'customers',
    metadata: {},
    failurePolicy: { maxFailedRowRatio },
  };
  const events: ImportJobEvent[] = [
    { type: 'ImportRequested.v1', data: { jobId, tenantId: 'tenant', clientToken: 'token', definition, occurredAt: at(0) } },
    { type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt: at(1) } },
    { type: 'PiecesPlanned.v1', data: { jobId, chunk: 0, pieces, occurredAt: at(2) } },
    { type: 'ImportPlanned.v2', data: { jobId, pieces: pieces.length, files: 1, totalBytes: pieces.length * 1000, occurredAt: at(2) } },
  ];
  return events.reduce(evolve, initialState());
}

function pieceSpec(index: number): PieceSpec {
  return {
    pieceId: `piece-${index}`,
    object: { bucket: 'imports', key: 'data.csv', etag: '"etag"', size: 100_000 },
    range: { start: index * 1000, end: (index + 1) * 1000 },
    compression: 'none',
    firstLine: index * 10 + 2,
    csvHeader: ['id'],
    destinationTopic: 'customers',
  };
}

let clock = 10;

function pieceResult(index: number, outcomes: readonly PieceOutcome[]): ImportJobCommand {
  const result = outcomes[index];
  if (result === undefined) throw new Error(`no outcome for piece ${index}`);
  return { type: 'RecordPieceResult.v1', data: { jobId, pieceId: `piece-${index}`, outcome: result }, metadata: { now: at(clock++) } };
}

function finish(): ImportJobCommand {
  return { type: 'FinishImport.v1', data: { jobId }, metadata: { now: at(clock++) } };
}

function at(second: number): string {
  return new Date(Date.UTC(2026, 10, 23, 12, 0, 0) + second * 1000).toISOString();
}
