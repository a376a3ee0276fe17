import { foldEvents } from '../decider';
import { IdempotencyConflictError, IllegalStateError, NotFoundError, ValidationError, type IllegalStateCode } from '../errors';
import { deciderSpecification } from '../testing/decider-specification';
import type { ImportJobCommand, PieceOutcome } from './commands';
import { importJobDecider } from './decide';
import type { ImportDefinition } from './definition';
import { eventIdentity, type ImportJobEvent, type PieceSpec, type RowFailure } from './events';
import { parseImportJobEvent } from './parse-event';
import { maxPiecesPerChunk } from './plan-chunks';
import type { ImportJobDetails } from './state';

type When = { at?: number };

const spec = deciderSpecification(importJobDecider);

const jobId = 'job-1';
const tenantId = 'tenant-a';
const clientToken = 'token-1';
const objectSource = { url: 's3://imports/2026/customers.csv', type: 'object' as const };
const definition: ImportDefinition = {
  jobType: 'CUSTOMERS',
  format: 'CSV',
  sources: [objectSource],
  destinationTopic: 'customers.imported',
  keyField: 'id',
  metadata: { owner: 'crm-team' },
  failurePolicy: { maxFailedRowRatio: 0.1 },
};
const sourceMissing = { code: 'SOURCE_NOT_FOUND', message: 's3://imports/2026/customers.csv does not exist' } as const;
const failedOutcome = { kind: 'failed', reason: { code: 'SOURCE_CHANGED', message: 'the object changed after planning' } } as const;
const report = { location: 's3://reports/job/failures.csv', rows: 130 };

describe('import job', () => {
  describe('when not started', () => {
    it('accepts a valid request', () => {
      spec.given([]).when(requestImport()).then([requested()]);
    });

    it.each<[string, Partial<ImportDefinition>]>([
      ['sources', { sources: [] }],
      ['sources[0].url', { sources: [{ url: 'http://bucket/data.csv', type: 'object' }] }],
      ['sources[0].url', { sources: [{ url: 's3://Bad_Bucket/data.csv', type: 'object' }] }],
      ['sources[0].url', { sources: [{ url: 's3://bucket/folder/', type: 'object' }] }],
      ['sources[0].type', { sources: [{ url: 's3://bucket/data.csv', type: 'file' as 'object' }] }],
      ['sources[1].destination', { sources: [objectSource, { url: 's3://bucket/more/', type: 'prefix', destination: 'bad topic' }] }],
      ['format', { format: 'XML' as 'CSV' }],
      ['destinationTopic', { destinationTopic: 'has space' }],
      ['jobType', { jobType: ' ' }],
      ['keyField', { keyField: '' }],
      ['schema', { schema: [] as never }],
      ['metadata.owner', { metadata: { owner: 42 as unknown as string } }],
      ['failurePolicy.maxFailedRowRatio', { failurePolicy: { maxFailedRowRatio: 1.5 } }],
    ])('rejects a request whose %s is invalid', (field, change) => {
      spec
        .given([])
        .when(requestImport({ definition: { ...definition, ...change } }))
        .thenThrows(ValidationError, { field });
    });

    it('accepts a prefix source that names a whole bucket', () => {
      const wholeBucket = { ...definition, sources: [{ url: 's3://bucket', type: 'prefix' as const }] };
      spec.given([]).when(requestImport({ definition: wholeBucket })).then([requested({ definition: wholeBucket })]);
    });

    it.each(commandsOnAJob())('refuses %s for a job that does not exist', (_type, command) => {
      spec.given([]).when(command).thenThrows(NotFoundError, { code: 'JOB_NOT_FOUND' });
    });
  });

  describe('when requested', () => {
    const history = [requested()];

    it('changes nothing for the same request again (client token idempotency)', () => {
      spec.given(history).when(requestImport()).thenNothingHappened();
    });

    it('treats the same request with fields in another order as the same', () => {
      const reordered = Object.fromEntries(Object.entries(definition).reverse()) as unknown as ImportDefinition;
      spec.given(history).when(requestImport({ definition: reordered })).thenNothingHappened();
    });

    it('refuses the same client token with a different request', () => {
      spec
        .given(history)
        .when(requestImport({ definition: { ...definition, destinationTopic: 'other-topic' } }))
        .thenThrows(IdempotencyConflictError, { code: 'IDEMPOTENCY_CONFLICT', jobId });
    });

    it('starts planning', () => {
      spec.given(history).when(startPlanning()).then([planningStarted()]);
    });

    it('fails with the reason given', () => {
      spec.given(history).when(failImport()).then([failing(sourceMissing)]);
    });

    it('is cancelled at once, having no piece out', () => {
      spec.given(history).when(cancelImport()).then([cancelling(), cancelled()]);
    });

    refuses(history, [
      [recordPlannedPieces(0, [piece(1)]), 'JOB_NOT_PLANNING'],
      [completePlan([piece(1)]), 'JOB_NOT_PLANNING'],
      [pieceResult(1, completedOutcome()), 'JOB_NOT_PLANNED'],
      [finishImport(), 'JOB_NOT_FINISHING'],
    ]);
  });

  describe('when planning', () => {
    const history = [requested(), planningStarted()];

    it('changes nothing when planning is started again (redelivered request)', () => {
      spec.given(history).when(startPlanning()).thenNothingHappened();
    });

    it('records a chunk of the plan', () => {
      spec.given(history).when(recordPlannedPieces(0, [piece(1), piece(2)])).then([piecesPlanned(0, [piece(1), piece(2)])]);
    });

    it('records the totals once every chunk is recorded, and then processes the pieces of every chunk, in order', () => {
      const chunks = [piecesPlanned(0, [piece(1), piece(2)]), piecesPlanned(1, [piece(3)])];
      spec.given([...history, ...chunks]).when(completePlan([piece(1), piece(2), piece(3)])).then([plannedTotals([piece(1), piece(2), piece(3)])]);

      const job = stateAfter([...history, ...chunks, plannedTotals([piece(1), piece(2), piece(3)])]);
      expect(job).toMatchObject({ status: 'Processing', pieceCounts: { total: 3 }, files: 1, bytes: { total: 3000 } });
      expect(job.plan).toEqual([piece(1), piece(2), piece(3)]);
      expect([...job.pieces]).toEqual([piece(1), piece(2), piece(3)].map((planned) => [planned.pieceId, 'pending']));
    });

    it('changes nothing for a chunk recorded again (a planner that planned again after a crash)', () => {
      spec.given([...history, piecesPlanned(0, [piece(1)])]).when(recordPlannedPieces(0, [piece(1)])).thenNothingHappened();
    });

    it('refuses a chunk that differs from the one recorded: the sources changed between two plans', () => {
      spec
        .given([...history, piecesPlanned(0, [piece(1)])])
        .when(recordPlannedPieces(0, [piece(2)]))
        .thenThrows(IllegalStateError, { code: 'PLAN_ALREADY_RECORDED', status: 'Planning' });
    });

    it('refuses a chunk that would leave a gap', () => {
      spec.given(history).when(recordPlannedPieces(1, [piece(1)])).thenThrows(ValidationError, { field: 'chunk' });
    });

    it('refuses the totals before their chunks', () => {
      spec.given(history).when(completePlan([piece(1)])).thenThrows(ValidationError, { field: 'pieces' });
    });

    it('refuses totals that disagree with the count of pieces in the chunks', () => {
      const chunked = [...history, piecesPlanned(0, [piece(1), piece(2)])];
      spec.given(chunked).when(completePlan([piece(1), piece(2), piece(3)])).thenThrows(ValidationError, { field: 'pieces' });
      spec.given(chunked).when(completePlan([piece(1)])).thenThrows(IllegalStateError, { code: 'PLAN_ALREADY_RECORDED', status: 'Planning' });
    });

    it('goes straight to completing when the plan has no pieces (zero rows)', () => {
      spec.given(history).when(completePlan([])).then([plannedTotals([]), completing()]);
    });

    it('refuses a chunk that names one piece twice, or a piece of an earlier chunk', () => {
      spec
        .given(history)
        .when(recordPlannedPieces(0, [piece(1), piece(1)]))
        .thenThrows(ValidationError, { field: 'pieces[1].pieceId' });
      spec
        .given([...history, piecesPlanned(0, [piece(1)])])
        .when(recordPlannedPieces(1, [piece(2), piece(1)]))
        .thenThrows(ValidationError, { field: 'pieces[1].pieceId' });
    });

    it('refuses a chunk with a backwards byte range', () => {
      spec
        .given(history)
        .when(recordPlannedPieces(0, [{ ...piece(1), range: { start: 10, end: 5 } }]))
        .thenThrows(ValidationError, { field: 'pieces[0].range' });
    });

    it('refuses an empty chunk, and one of more pieces than a chunk may hold', () => {
      const tooMany = Array.from({ length: maxPiecesPerChunk + 1 }, (_, index) => piece(index + 1));
      spec.given(history).when(recordPlannedPieces(0, [])).thenThrows(ValidationError, { field: 'pieces' });
      spec.given(history).when(recordPlannedPieces(0, tooMany)).thenThrows(ValidationError, { field: 'pieces' });
    });

    it("counts a recorded chunk's piece results while the plan is still being found, and never ends the job for them", () => {
      const midPlan = [...history, piecesPlanned(0, [piece(1), piece(2)])];
      spec.given(midPlan).when(pieceResult(1, completedOutcome())).then([pieceCompleted(1)]);
      spec.given([...midPlan, pieceCompleted(1)]).when(pieceResult(2, failedOutcome)).then([pieceFailed(2)]);
      spec.given([...midPlan, pieceCompleted(1), pieceFailed(2)]).when(pieceResult(2, completedOutcome())).thenNothingHappened();
      expect(stateAfter([...midPlan, pieceCompleted(1), pieceFailed(2)])).toMatchObject({ status: 'Planning', pieceCounts: { total: 0, completed: 1, failed: 1 } });
    });

    it('does not take the result of a piece no recorded chunk holds', () => {
      spec
        .given([...history, piecesPlanned(0, [piece(1)])])
        .when(pieceResult(2, completedOutcome()))
        .thenThrows(IllegalStateError, { code: 'JOB_NOT_PLANNED' });
    });

    it('ends with the totals when every piece settled while the plan was being found', () => {
      const settledMidPlan = [...history, piecesPlanned(0, [piece(1)]), pieceCompleted(1), piecesPlanned(1, [piece(2)]), pieceCompleted(2)];
      spec.given(settledMidPlan).when(completePlan([piece(1), piece(2)])).then([plannedTotals([piece(1), piece(2)]), completing()]);
      const failedMidPlan = [...history, piecesPlanned(0, [piece(1), piece(2)]), pieceCompleted(1), pieceFailed(2)];
      spec
        .given(failedMidPlan)
        .when(completePlan([piece(1), piece(2)]))
        .then([plannedTotals([piece(1), piece(2)]), failing({ code: 'PIECES_FAILED', message: `1 of 2 pieces failed; first: ${failedOutcome.reason.message}` })]);
    });

    it('processes the pieces still pending when the totals come, and ends with the last of them', () => {
      const partlySettled = [...history, piecesPlanned(0, [piece(1), piece(2)]), pieceCompleted(1)];
      spec.given(partlySettled).when(completePlan([piece(1), piece(2)])).then([plannedTotals([piece(1), piece(2)])]);
      spec.given([...partlySettled, plannedTotals([piece(1), piece(2)])]).when(pieceResult(2, completedOutcome())).then([pieceCompleted(2), completing()]);
    });

    it('is cancelled at once mid-plan when no piece of its chunks is pending, and then takes no more of the plan', () => {
      const midPlan = [...history, piecesPlanned(0, [piece(1)]), pieceCompleted(1)];
      spec.given(midPlan).when(cancelImport()).then([cancelling(), cancelled()]);
      spec.given([...midPlan, cancelling(), cancelled()]).when(recordPlannedPieces(1, [piece(2)])).thenThrows(IllegalStateError, { code: 'JOB_ALREADY_FINISHED' });
      spec.given([...midPlan, cancelling(), cancelled()]).when(completePlan([piece(1), piece(2)])).thenThrows(IllegalStateError, { code: 'JOB_ALREADY_FINISHED' });
    });

    it('cancelled mid-plan with pieces pending, takes no more of the plan and ends with the last of them settled', () => {
      const midPlan = [...history, piecesPlanned(0, [piece(1), piece(2)])];
      spec.given(midPlan).when(cancelImport()).then([cancelling()]);
      const cancellingMidPlan = [...midPlan, cancelling()];
      spec.given(cancellingMidPlan).when(recordPlannedPieces(1, [piece(3)])).thenThrows(IllegalStateError, { code: 'JOB_NOT_PLANNING' });
      spec.given(cancellingMidPlan).when(completePlan([piece(1), piece(2), piece(3)])).thenThrows(IllegalStateError, { code: 'JOB_NOT_PLANNING' });
      spec.given(cancellingMidPlan).when(pieceResult(1, completedOutcome())).then([pieceCompleted(1)]);
      spec.given([...cancellingMidPlan, pieceCompleted(1)]).when(pieceResult(2, { kind: 'cancelled' })).then([pieceCancelled(2), cancelled()]);
    });

    it('fails mid-plan with pieces settled, and counts the pieces still out without deciding the end again', () => {
      const midPlan = [...history, piecesPlanned(0, [piece(1), piece(2)]), pieceCompleted(1)];
      spec.given(midPlan).when(failImport()).then([failing(sourceMissing)]);
      spec.given([...midPlan, failing(sourceMissing)]).when(pieceResult(2, completedOutcome())).then([pieceCompleted(2)]);
    });

    it('fails mid-plan with the reason given, and then takes no more of the plan', () => {
      const midPlan = [...history, piecesPlanned(0, [piece(1)])];
      spec.given(midPlan).when(failImport()).then([failing(sourceMissing)]);
      spec.given([...midPlan, failing(sourceMissing)]).when(recordPlannedPieces(1, [piece(2)])).thenThrows(IllegalStateError, { code: 'JOB_NOT_PLANNING' });
      spec.given([...midPlan, failing(sourceMissing)]).when(completePlan([piece(1), piece(2)])).thenThrows(IllegalStateError, { code: 'JOB_NOT_PLANNING' });
      spec.given([...midPlan, failing(sourceMissing)]).when(finishImport()).then([jobFailed(sourceMissing)]);
    });

    it('fails with the reason given', () => {
      spec.given(history).when(failImport()).then([failing(sourceMissing)]);
    });

    it('is cancelled at once, having no piece out', () => {
      spec.given(history).when(cancelImport('no longer needed')).then([cancelling('no longer needed'), cancelled()]);
    });

    refuses(history, [
      [pieceResult(1, completedOutcome()), 'JOB_NOT_PLANNED'],
      [finishImport(), 'JOB_NOT_FINISHING'],
    ]);
  });

  describe('when processing', () => {
    const history = [requested(), planningStarted(), ...plannedInChunks([piece(1), piece(2)])];

    it('counts a completed piece', () => {
      spec.given(history).when(pieceResult(1, completedOutcome())).then([pieceCompleted(1)]);
    });

    it('starts completing in the same decision as the last piece', () => {
      spec
        .given([...history, pieceCompleted(1)])
        .when(pieceResult(2, completedOutcome()))
        .then([pieceCompleted(2), completing()]);
    });

    it('counts a redelivered piece result once', () => {
      spec.given([...history, pieceCompleted(1)]).when(pieceResult(1, completedOutcome())).thenNothingHappened();
    });

    it('keeps the first outcome of a piece when a different one arrives later', () => {
      spec.given([...history, pieceCompleted(1)]).when(pieceResult(1, failedOutcome)).thenNothingHappened();
    });

    it('fails the job when any piece failed, naming the first failure', () => {
      spec
        .given([...history, pieceFailed(1)])
        .when(pieceResult(2, completedOutcome()))
        .then([
          pieceCompleted(2),
          failing({ code: 'PIECES_FAILED', message: `1 of 2 pieces failed; first: ${failedOutcome.reason.message}` }),
        ]);
    });

    it('fails the job when more rows failed than its policy allows', () => {
      spec
        .given([...history, pieceCompleted(1, { rowsProcessed: 10, rowsFailed: 1 })])
        .when(pieceResult(2, completedOutcome({ rowsProcessed: 10, rowsFailed: 2 })))
        .then([
          pieceCompleted(2, { rowsProcessed: 10, rowsFailed: 2 }),
          failing({ code: 'TOO_MANY_FAILED_ROWS', message: '3 of 20 rows failed, more than the 10% the job allows' }),
        ]);
    });

    it('completes a job whose failed rows are exactly at its threshold', () => {
      spec
        .given([...history, pieceCompleted(1, { rowsProcessed: 10, rowsFailed: 1 })])
        .when(pieceResult(2, completedOutcome({ rowsProcessed: 10, rowsFailed: 1 })))
        .then([pieceCompleted(2, { rowsProcessed: 10, rowsFailed: 1 }), completing()]);
    });

    it('changes nothing when the plan is recorded again (a second planner)', () => {
      spec.given(history).when(recordPlannedPieces(0, [piece(1), piece(2)])).thenNothingHappened();
      spec.given(history).when(completePlan([piece(1), piece(2)])).thenNothingHappened();
    });

    it('refuses a different plan: the first one stands', () => {
      spec.given(history).when(recordPlannedPieces(0, [piece(3)])).thenThrows(IllegalStateError, { code: 'PLAN_ALREADY_RECORDED', status: 'Processing' });
      spec.given(history).when(recordPlannedPieces(1, [piece(3)])).thenThrows(IllegalStateError, { code: 'PLAN_ALREADY_RECORDED', status: 'Processing' });
      spec.given(history).when(completePlan([piece(1), piece(2), piece(3)])).thenThrows(IllegalStateError, { code: 'PLAN_ALREADY_RECORDED' });
    });

    it('refuses the result of a piece it does not have', () => {
      spec.given(history).when(pieceResult(9, completedOutcome())).thenThrows(NotFoundError, { code: 'PIECE_NOT_FOUND' });
    });

    it.each<[string, PieceOutcome]>([
      ['outcome.rowsProcessed', completedOutcome({ rowsProcessed: -1 })],
      ['outcome.bytesProcessed', completedOutcome({ bytesProcessed: 1.5 })],
      ['outcome.rowsFailed', completedOutcome({ rowsProcessed: 1, rowsFailed: 2 })],
    ])('refuses a piece result whose %s is impossible', (field, outcome) => {
      spec.given(history).when(pieceResult(1, outcome)).thenThrows(ValidationError, { field });
    });

    it('fails with the reason given', () => {
      spec.given(history).when(failImport()).then([failing(sourceMissing)]);
    });

    it('starts cancelling, waiting for the pieces out', () => {
      spec.given(history).when(cancelImport()).then([cancelling()]);
    });

    refuses(history, [
      [startPlanning(), 'PLAN_ALREADY_RECORDED'],
      [pieceResult(1, { kind: 'cancelled' }), 'JOB_NOT_CANCELLING'],
      [finishImport(), 'JOB_NOT_FINISHING'],
    ]);
  });

  describe('when cancelling', () => {
    const history = [requested(), planningStarted(), ...plannedInChunks([piece(1), piece(2)]), cancelling()];

    it('counts a piece that finished while the cancel was under way', () => {
      spec.given(history).when(pieceResult(1, completedOutcome())).then([pieceCompleted(1)]);
    });

    it('is cancelled in the same decision as its last piece', () => {
      spec
        .given([...history, pieceCompleted(1)])
        .when(pieceResult(2, { kind: 'cancelled' }))
        .then([pieceCancelled(2), cancelled()]);
    });

    it('changes nothing when cancelled again', () => {
      spec.given(history).when(cancelImport()).thenNothingHappened();
    });

    refuses(history, [
      [startPlanning(), 'PLAN_ALREADY_RECORDED'],
      [failImport(), 'JOB_CANCELLING'],
      [finishImport(), 'JOB_NOT_FINISHING'],
    ]);
  });

  describe('when completing', () => {
    const history = [requested(), planningStarted(), ...plannedInChunks([piece(1)]), pieceCompleted(1), completing()];

    it('completes with its failure report', () => {
      spec.given(history).when(finishImport(report)).then([completed(report)]);
    });

    it('changes nothing for a redelivered piece result', () => {
      spec.given(history).when(pieceResult(1, completedOutcome())).thenNothingHappened();
    });

    refuses(history, [
      [cancelImport(), 'JOB_FINISHING'],
      [failImport(), 'JOB_FINISHING'],
      [startPlanning(), 'PLAN_ALREADY_RECORDED'],
    ]);
  });

  describe('when failing', () => {
    const reason = sourceMissing;
    const history = [requested(), planningStarted(), ...plannedInChunks([piece(1), piece(2)]), failing(reason)];

    it('fails with the reason it was failing for, and its report', () => {
      spec.given(history).when(finishImport(report)).then([jobFailed(reason, report)]);
    });

    it('still counts a piece that was out, without deciding the end again', () => {
      spec.given(history).when(pieceResult(1, completedOutcome())).then([pieceCompleted(1)]);
    });

    it('changes nothing when failed again', () => {
      spec.given(history).when(failImport()).thenNothingHappened();
    });

    refuses(history, [[cancelImport(), 'JOB_FINISHING']]);
  });

  describe('when completed', () => {
    const history = [requested(), planningStarted(), ...plannedInChunks([piece(1)]), pieceCompleted(1), completing(), completed()];

    it('changes nothing when finished again (redelivered)', () => {
      spec.given(history).when(finishImport()).thenNothingHappened();
    });

    it('changes nothing for a redelivered piece result', () => {
      spec.given(history).when(pieceResult(1, completedOutcome())).thenNothingHappened();
    });

    refuses(history, [
      [cancelImport(), 'JOB_ALREADY_FINISHED'],
      [failImport(), 'JOB_ALREADY_FINISHED'],
      [startPlanning(), 'JOB_ALREADY_FINISHED'],
    ]);
  });

  describe('when failed', () => {
    const history = [requested(), planningStarted(), ...plannedInChunks([piece(1), piece(2)]), failing(sourceMissing), jobFailed(sourceMissing)];

    it('ignores the late result of a piece that was out when the job failed', () => {
      spec.given(history).when(pieceResult(2, completedOutcome())).thenNothingHappened();
    });

    it('changes nothing when failed or finished again', () => {
      spec.given(history).when(failImport()).thenNothingHappened();
      spec.given(history).when(finishImport()).thenNothingHappened();
    });

    refuses(history, [[cancelImport(), 'JOB_ALREADY_FINISHED']]);
  });

  describe('when cancelled', () => {
    const history = [requested(), planningStarted(), cancelling(), cancelled()];

    it('changes nothing when cancelled again', () => {
      spec.given(history).when(cancelImport()).thenNothingHappened();
    });

    refuses(history, [
      [recordPlannedPieces(0, [piece(1)]), 'JOB_ALREADY_FINISHED'],
      [completePlan([piece(1)]), 'JOB_ALREADY_FINISHED'],
      [pieceResult(1, completedOutcome()), 'JOB_ALREADY_FINISHED'],
      [failImport(), 'JOB_ALREADY_FINISHED'],
      [finishImport(), 'JOB_ALREADY_FINISHED'],
      [startPlanning(), 'JOB_ALREADY_FINISHED'],
    ]);
  });

  describe('when planned by a version that recorded the whole plan in one event (ImportPlanned.v1)', () => {
    const pieces = [piece(1), piece(2), piece(3)];
    const wholeHistory = [requested(), planningStarted(), ...plannedWhole(pieces)];

    it('is the job a plan recorded in chunks makes', () => {
      const chunked = stateAfter([requested(), planningStarted(), piecesPlanned(0, [piece(1), piece(2)]), piecesPlanned(1, [piece(3)]), plannedTotals(pieces)]);
      expect({ ...stateAfter(wholeHistory), plannedChunks: undefined }).toEqual({ ...chunked, plannedChunks: undefined });
    });

    it('runs to its end as before', () => {
      spec.given([...wholeHistory, pieceCompleted(1), pieceCompleted(2)]).when(pieceResult(3, completedOutcome())).then([pieceCompleted(3), completing()]);
    });

    it('changes nothing for the same plan again, and refuses another', () => {
      // Read as its one chunk, a whole plan answers a chunk recorded again as that chunk would.
      spec.given(wholeHistory).when(completePlan(pieces)).thenNothingHappened();
      spec.given(wholeHistory).when(recordPlannedPieces(0, pieces)).thenNothingHappened();
      spec.given(wholeHistory).when(recordPlannedPieces(0, [piece(1)])).thenThrows(IllegalStateError, { code: 'PLAN_ALREADY_RECORDED' });
    });
  });

  describe('its state', () => {
    it('holds the counters, pieces, dates and failures of a whole run', () => {
      const failures = (count: number, from: number) => Array.from({ length: count }, (_, i) => rowFailure(from + i));
      const job = stateAfter([
        requested(),
        planningStarted({ at: 1 }),
        piecesPlanned(0, [piece(1), piece(2)], { at: 2 }),
        piecesPlanned(1, [piece(3)], { at: 2 }),
        plannedTotals([piece(1), piece(2), piece(3)], { at: 2 }),
        pieceCompleted(1, { rowsProcessed: 500, rowsFailed: 60, bytesProcessed: 1000, firstFailures: failures(60, 0), at: 3 }),
        pieceCompleted(2, { rowsProcessed: 500, rowsFailed: 70, bytesProcessed: 1000, firstFailures: failures(70, 60), at: 4 }),
        pieceCompleted(3, { rowsProcessed: 100, rowsFailed: 0, bytesProcessed: 800, at: 5 }),
        completing({ at: 5 }),
        completed(report, { at: 6 }),
      ]);
      expect(job).toMatchObject({
        status: 'Completed',
        pieceCounts: { total: 3, completed: 3, failed: 0, cancelled: 0 },
        rows: { processed: 1100, failed: 130 },
        bytes: { total: 3000, processed: 2800 },
        files: 1,
        createdAt: at(0),
        lastModifiedAt: at(6),
        completedAt: at(6),
        failureReport: report,
      });
      expect(job.firstFailures).toEqual(failures(100, 0));
    });

    it('is the same whatever the order and repetition of piece results', () => {
      const start = [requested(), planningStarted(), ...plannedInChunks([piece(1), piece(2), piece(3)])];
      const results = [pieceCompleted(1, { rowsProcessed: 3 }), pieceFailed(2), pieceCompleted(3, { rowsProcessed: 5 })];
      const inOrder = stateAfter([...start, ...results]);
      const shuffled = stateAfter([...start, results[2]!, results[0]!, results[2]!, results[1]!, results[0]!]);
      expect({ ...shuffled, lastModifiedAt: undefined, firstPieceFailure: undefined }).toEqual({
        ...inOrder,
        lastModifiedAt: undefined,
        firstPieceFailure: undefined,
      });
      expect(shuffled.rows).toEqual({ processed: 8, failed: 0 });
    });
  });

  describe('event identities', () => {
    it('give every way a piece can settle one identity, so the store keeps only the first', () => {
      const identities = [pieceCompleted(1), pieceFailed(1), pieceCancelled(1)].map(eventIdentity);
      expect(new Set(identities)).toEqual(new Set(['piece-settled:piece-1']));
    });

    it('give the same request one identity, and a different request for the same job another, so a racing twin is refused', () => {
      const request = requested();
      const other = requested({ definition: { ...definition, destinationTopic: 'other-topic' } });
      expect(eventIdentity(request)).toBe(eventIdentity(requested()));
      expect(eventIdentity(other)).not.toBe(eventIdentity(request));
    });

    it('give a chunk the same identity when the same plan is recorded again, and a chunk of another plan another', () => {
      expect(eventIdentity(piecesPlanned(0, [piece(1)], { at: 1 }))).toBe(eventIdentity(piecesPlanned(0, [piece(1)], { at: 2 })));
      expect(eventIdentity(piecesPlanned(0, [piece(2)]))).not.toBe(eventIdentity(piecesPlanned(0, [piece(1)])));
      expect(eventIdentity(piecesPlanned(1, [piece(1)]))).not.toBe(eventIdentity(piecesPlanned(0, [piece(1)])));
    });

    it('give the totals of a plan read from a whole plan the identity the whole plan was stored under, so a job is planned once', () => {
      expect(plannedWhole([piece(1)]).map(eventIdentity)).toContain(eventIdentity(plannedTotals([piece(1), piece(2)])));
    });

    it('give every terminal event one identity, so a job can end only once', () => {
      const identities = [completed(), jobFailed(sourceMissing), cancelled()].map(eventIdentity);
      expect(new Set(identities)).toEqual(new Set(['terminal']));
    });
  });
});

function refuses(history: readonly ImportJobEvent[], cases: ReadonlyArray<[ImportJobCommand, IllegalStateCode]>): void {
  it.each(cases.map(([command, code]) => [command.type, code, command] as const))('refuses %s (%s)', (_type, code, command) => {
    spec.given(history).when(command).thenThrows(IllegalStateError, { code });
  });
}

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

function at(step: number): string {
  return new Date(Date.UTC(2026, 10, 23, 12, 0, step)).toISOString();
}

function meta(step = 0): { now: string } {
  return { now: at(step) };
}

function requestImport(overrides: { definition?: ImportDefinition } = {}): ImportJobCommand {
  return { type: 'RequestImport.v1', data: { jobId, tenantId, clientToken, definition, ...overrides }, metadata: meta() };
}
function startPlanning(): ImportJobCommand {
  return { type: 'StartPlanning.v1', data: { jobId }, metadata: meta() };
}
function recordPlannedPieces(chunk: number, pieces: PieceSpec[]): ImportJobCommand {
  return { type: 'RecordPlannedPieces.v1', data: { jobId, chunk, pieces }, metadata: meta() };
}
/** The totals of a plan of these pieces. */
function completePlan(pieces: PieceSpec[]): ImportJobCommand {
  return { type: 'CompletePlan.v1', data: { jobId, pieces: pieces.length, files: 1, totalBytes: totalBytesOf(pieces) }, metadata: meta() };
}
function pieceResult(n: number, outcome: PieceOutcome): ImportJobCommand {
  return { type: 'RecordPieceResult.v1', data: { jobId, pieceId: `piece-${n}`, outcome }, metadata: meta() };
}
function failImport(): ImportJobCommand {
  return { type: 'FailImport.v1', data: { jobId, reason: sourceMissing }, metadata: meta() };
}
function cancelImport(reason?: string): ImportJobCommand {
  return { type: 'CancelImport.v1', data: { jobId, ...(reason ? { reason } : {}) }, metadata: meta() };
}
function finishImport(failureReport?: typeof report): ImportJobCommand {
  return { type: 'FinishImport.v1', data: { jobId, ...(failureReport ? { failureReport } : {}) }, metadata: meta() };
}
function commandsOnAJob(): Array<[string, ImportJobCommand]> {
  return [startPlanning(), recordPlannedPieces(0, [piece(1)]), completePlan([piece(1)]), pieceResult(1, completedOutcome()), failImport(), cancelImport(), finishImport()].map(
    (command) => [command.type, command],
  );
}

function completedOutcome(counts: Partial<{ rowsProcessed: number; rowsFailed: number; bytesProcessed: number }> = {}): PieceOutcome {
  return { kind: 'completed', rowsProcessed: 10, rowsFailed: 0, bytesProcessed: 100, firstFailures: [], ...counts };
}

function piece(n: number): PieceSpec {
  return {
    pieceId: `piece-${n}`,
    object: { bucket: 'imports', key: '2026/customers.csv', etag: '"etag-1"', size: 3000 },
    range: { start: (n - 1) * 1000, end: n * 1000 },
    compression: 'none',
    firstLine: (n - 1) * 10 + 2,
    csvHeader: ['id', 'name'],
    destinationTopic: definition.destinationTopic,
  };
}
function totalBytesOf(pieces: readonly PieceSpec[]): number {
  return pieces.reduce((sum, p) => sum + p.range.end - p.range.start, 0);
}
function rowFailure(line: number): RowFailure {
  return { file: objectSource.url, line, reason: 'id: must be a number' };
}

function requested(overrides: { definition?: ImportDefinition } = {}): ImportJobEvent {
  return { type: 'ImportRequested.v1', data: { jobId, tenantId, clientToken, definition, ...overrides, occurredAt: at(0) } };
}
function planningStarted({ at: step = 0 }: When = {}): ImportJobEvent {
  return { type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt: at(step) } };
}
/** A whole plan in one event, as older releases stored it, read as this release reads it. */
function plannedWhole(pieces: PieceSpec[]): readonly ImportJobEvent[] {
  const parsed = parseImportJobEvent('ImportPlanned.v1', { jobId, pieces, files: 1, totalBytes: totalBytesOf(pieces), occurredAt: at(0) });
  if (parsed.kind !== 'event') throw new Error('a whole plan reads');
  return parsed.events;
}
function piecesPlanned(chunk: number, pieces: PieceSpec[], { at: step = 0 }: When = {}): ImportJobEvent {
  return { type: 'PiecesPlanned.v1', data: { jobId, chunk, pieces, occurredAt: at(step) } };
}
function plannedTotals(pieces: PieceSpec[], { at: step = 0 }: When = {}): ImportJobEvent {
  return { type: 'ImportPlanned.v2', data: { jobId, pieces: pieces.length, files: 1, totalBytes: totalBytesOf(pieces), occurredAt: at(step) } };
}
/** A plan small enough for one chunk, as the planner records it. */
function plannedInChunks(pieces: PieceSpec[]): ImportJobEvent[] {
  return [piecesPlanned(0, pieces), plannedTotals(pieces)];
}
function pieceCompleted(
  n: number,
  { at: step = 0, ...counts }: When & Partial<{ rowsProcessed: number; rowsFailed: number; bytesProcessed: number; firstFailures: RowFailure[] }> = {},
): ImportJobEvent {
  const { kind: _kind, ...outcome } = completedOutcome(counts) as Extract<PieceOutcome, { kind: 'completed' }>;
  return { type: 'PieceCompleted.v1', data: { jobId, pieceId: `piece-${n}`, ...outcome, ...counts, occurredAt: at(step) } };
}
function pieceFailed(n: number): ImportJobEvent {
  return { type: 'PieceFailed.v1', data: { jobId, pieceId: `piece-${n}`, reason: failedOutcome.reason, occurredAt: at(0) } };
}
function pieceCancelled(n: number): ImportJobEvent {
  return { type: 'PieceCancelled.v1', data: { jobId, pieceId: `piece-${n}`, occurredAt: at(0) } };
}
function completing({ at: step = 0 }: When = {}): ImportJobEvent {
  return { type: 'ImportCompleting.v1', data: { jobId, occurredAt: at(step) } };
}
function failing(reason: { code: 'SOURCE_NOT_FOUND' | 'PIECES_FAILED' | 'TOO_MANY_FAILED_ROWS'; message: string }): ImportJobEvent {
  return { type: 'ImportFailing.v1', data: { jobId, reason, occurredAt: at(0) } };
}
function cancelling(reason?: string): ImportJobEvent {
  return { type: 'ImportCancelling.v1', data: { jobId, ...(reason ? { reason } : {}), occurredAt: at(0) } };
}
function completed(failureReport?: typeof report, { at: step = 0 }: When = {}): ImportJobEvent {
  return { type: 'ImportCompleted.v1', data: { jobId, ...(failureReport ? { failureReport } : {}), occurredAt: at(step) } };
}
function jobFailed(reason: typeof sourceMissing, failureReport?: typeof report): ImportJobEvent {
  return { type: 'JobFailed.v1', data: { jobId, reason, ...(failureReport ? { failureReport } : {}), occurredAt: at(0) } };
}
function cancelled(): ImportJobEvent {
  return { type: 'ImportCancelled.v1', data: { jobId, occurredAt: at(0) } };
}
function stateAfter(events: readonly ImportJobEvent[]): ImportJobDetails {
  return foldEvents(importJobDecider, events) as ImportJobDetails;
}
