import { assertNever, type Decider } from '../decider';
import { IdempotencyConflictError, IllegalStateError, NotFoundError, ValidationError, type IllegalStateCode } from '../errors';
import { sameJson } from '../json';
import type {
  CancelImport,
  CompletePlan,
  FailImport,
  FinishImport,
  ImportJobCommand,
  RecordPieceResult,
  RecordPlannedPieces,
  RequestImport,
  StartPlanning,
} from './commands';
import { validateDefinition } from './definition';
import type { ImportJobEvent, JobFailureReason } from './events';
import { isWithinChunkBounds, maxChunkBytes, maxPiecesPerChunk } from './plan-chunks';
import { evolve, initialState, isFinished, pendingPieces, type ImportJob, type ImportJobDetails } from './state';

// A command answered with no events changed nothing: a redelivery, or a request already granted.
const nothing: readonly ImportJobEvent[] = [];

function refuse(job: ImportJobDetails, code: IllegalStateCode, action: string): never {
  throw new IllegalStateError(code, job.status, `cannot ${action} job ${job.jobId}: it is ${job.status}`);
}

function existingJob(state: ImportJob, jobId: string): ImportJobDetails {
  if (state.status === 'NotStarted') throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
  return state;
}

function requestImport({ data, metadata }: RequestImport, state: ImportJob): readonly ImportJobEvent[] {
  validateDefinition(data.definition);
  if (state.status !== 'NotStarted') {
    const sameRequest =
      state.tenantId === data.tenantId && state.clientToken === data.clientToken && sameJson(state.definition, data.definition);
    if (sameRequest) return nothing;
    throw new IdempotencyConflictError(state.jobId);
  }
  return [{ type: 'ImportRequested.v1', data: { ...data, occurredAt: metadata.now } }];
}

function startPlanning({ data, metadata }: StartPlanning, state: ImportJob): readonly ImportJobEvent[] {
  const job = existingJob(state, data.jobId);
  switch (job.status) {
    case 'Requested':
      return [{ type: 'ImportPlanningStarted.v1', data: { jobId: job.jobId, occurredAt: metadata.now } }];
    case 'Planning':
      return nothing;
    default:
      return refuse(job, isFinished(job.status) ? 'JOB_ALREADY_FINISHED' : 'PLAN_ALREADY_RECORDED', 'start planning');
  }
}

function checkChunk({ chunk, pieces }: RecordPlannedPieces['data'], job: ImportJobDetails): void {
  if (chunk !== job.plannedChunks.length) {
    throw new ValidationError('chunk', `chunk ${chunk} cannot follow the ${job.plannedChunks.length} chunks recorded: chunks are recorded in order, from 0`);
  }
  if (pieces.length === 0) throw new ValidationError('pieces', 'a chunk holds at least one piece');
  if (!isWithinChunkBounds(pieces)) {
    throw new ValidationError('pieces', `a chunk holds at most ${maxPiecesPerChunk} pieces and ${maxChunkBytes} bytes of them, unless it holds one`);
  }
  const seen = new Set<string>();
  pieces.forEach((piece, index) => {
    if (seen.has(piece.pieceId) || job.pieces.has(piece.pieceId)) {
      throw new ValidationError(`pieces[${index}].pieceId`, `"${piece.pieceId}" appears twice in the plan`);
    }
    seen.add(piece.pieceId);
    const { start, end } = piece.range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new ValidationError(`pieces[${index}].range`, `[${start}, ${end}) is not a byte range`);
    }
  });
}

function notPlanning(job: ImportJobDetails): IllegalStateCode {
  if (isFinished(job.status)) return 'JOB_ALREADY_FINISHED';
  return job.plan === undefined ? 'JOB_NOT_PLANNING' : 'PLAN_ALREADY_RECORDED';
}

/**
 * A chunk recorded again (a planner that crashed mid-plan and planned again, or two planners) is
 * nothing new when it repeats the recorded one, and refused when it differs: the sources changed
 * between the two plans, and the recorded chunks name object versions the new plan does not.
 */
function recordPlannedPieces({ data, metadata }: RecordPlannedPieces, state: ImportJob): readonly ImportJobEvent[] {
  const job = existingJob(state, data.jobId);
  const recorded = job.plannedChunks[data.chunk];
  if (recorded !== undefined) {
    if (sameJson(recorded, data.pieces)) return nothing;
    return refuse(job, 'PLAN_ALREADY_RECORDED', `record a different chunk ${data.chunk} of the plan of`);
  }
  if (job.status !== 'Planning') return refuse(job, notPlanning(job), `record chunk ${data.chunk} of the plan of`);
  checkChunk(data, job);
  return [{ type: 'PiecesPlanned.v1', data: { jobId: job.jobId, chunk: data.chunk, pieces: data.pieces, occurredAt: metadata.now } }];
}

/**
 * The totals close the plan only once they agree with the chunks recorded. Fewer pieces than the
 * chunks hold is another plan than theirs (the sources shrank between two plans); more is a plan
 * whose last chunks are still to come.
 */
function completePlan({ data, metadata }: CompletePlan, state: ImportJob): readonly ImportJobEvent[] {
  const job = existingJob(state, data.jobId);
  const { pieces, files, totalBytes } = data;
  if (job.plan !== undefined) {
    if (job.pieceCounts.total === pieces && job.files === files && job.bytes.total === totalBytes) return nothing;
    return refuse(job, 'PLAN_ALREADY_RECORDED', 'record different totals for the plan of');
  }
  if (job.status !== 'Planning') return refuse(job, notPlanning(job), 'complete the plan of');
  if (pieces < job.pieces.size) {
    return refuse(job, 'PLAN_ALREADY_RECORDED', `complete with ${pieces} pieces a plan whose chunks hold ${job.pieces.size}:`);
  }
  if (pieces > job.pieces.size) {
    throw new ValidationError('pieces', `the chunks recorded so far hold ${job.pieces.size} pieces, not ${pieces}`);
  }
  const planned: ImportJobEvent = { type: 'ImportPlanned.v2', data: { jobId: job.jobId, pieces, files, totalBytes, occurredAt: metadata.now } };
  // Every piece settled while the plan was being found (or a plan of none: an empty prefix of the
  // right format): the plan's end is the job's.
  const after = evolve(job, planned) as ImportJobDetails;
  if (pendingPieces(after) > 0) return [planned];
  return [planned, closing(after, metadata.now)];
}

/** The event that ends a job every piece of which has settled: completing, or failing for a reason. */
function closing(job: ImportJobDetails, occurredAt: string): ImportJobEvent {
  const reason = closingReason(job);
  return reason
    ? { type: 'ImportFailing.v1', data: { jobId: job.jobId, reason, occurredAt } }
    : { type: 'ImportCompleting.v1', data: { jobId: job.jobId, occurredAt } };
}

/** Pinpoint fails a job when any piece fails; the row threshold is the job's own policy. */
function closingReason(job: ImportJobDetails): JobFailureReason | undefined {
  const { total, failed } = job.pieceCounts;
  if (failed > 0) {
    const first = job.firstPieceFailure ? `; first: ${job.firstPieceFailure.reason.message}` : '';
    return { code: 'PIECES_FAILED', message: `${failed} of ${total} pieces failed${first}` };
  }
  const { processed, failed: failedRows } = job.rows;
  const allowed = job.definition.failurePolicy.maxFailedRowRatio;
  if (processed > 0 && failedRows / processed > allowed) {
    return {
      code: 'TOO_MANY_FAILED_ROWS',
      message: `${failedRows} of ${processed} rows failed, more than the ${allowed * 100}% the job allows`,
    };
  }
  return undefined;
}

function pieceEvent({ data, metadata }: RecordPieceResult): ImportJobEvent {
  const { jobId, pieceId, outcome } = data;
  const occurredAt = metadata.now;
  switch (outcome.kind) {
    case 'completed': {
      const { kind: _kind, ...counts } = outcome;
      return { type: 'PieceCompleted.v1', data: { jobId, pieceId, ...counts, occurredAt } };
    }
    case 'failed':
      return { type: 'PieceFailed.v1', data: { jobId, pieceId, reason: outcome.reason, occurredAt } };
    case 'cancelled':
      return { type: 'PieceCancelled.v1', data: { jobId, pieceId, occurredAt } };
    default:
      return assertNever(outcome);
  }
}

function checkCounts(command: RecordPieceResult): void {
  const { outcome } = command.data;
  if (outcome.kind !== 'completed') return;
  for (const field of ['rowsProcessed', 'rowsFailed', 'bytesProcessed'] as const) {
    if (!Number.isSafeInteger(outcome[field]) || outcome[field] < 0) {
      throw new ValidationError(`outcome.${field}`, `must be a whole number ≥ 0, not ${outcome[field]}`);
    }
  }
  if (outcome.rowsFailed > outcome.rowsProcessed) {
    throw new ValidationError('outcome.rowsFailed', `${outcome.rowsFailed} failed rows exceed ${outcome.rowsProcessed} processed`);
  }
}

/**
 * A piece of a recorded chunk is work at once, while the rest of the plan is still being found: its
 * result is counted then too, but a job still planning never ends with its last piece settled,
 * since more may follow; the plan's totals end it (`completePlan`).
 */
function recordPieceResult(command: RecordPieceResult, state: ImportJob): readonly ImportJobEvent[] {
  const { jobId, pieceId, outcome } = command.data;
  const job = existingJob(state, jobId);
  const pieceStatus = job.pieces.get(pieceId);
  if (pieceStatus === undefined) {
    if (job.plan === undefined) return refuse(job, isFinished(job.status) ? 'JOB_ALREADY_FINISHED' : 'JOB_NOT_PLANNED', `record piece ${pieceId} of`);
    throw new NotFoundError('PIECE_NOT_FOUND', `job ${jobId} has no piece ${pieceId}`);
  }
  checkCounts(command);
  // A piece is counted once: its redelivered result, or a late one after the job ended, changes nothing.
  if (pieceStatus !== 'pending' || isFinished(job.status)) return nothing;
  if (outcome.kind === 'cancelled' && job.status !== 'Cancelling') {
    return refuse(job, 'JOB_NOT_CANCELLING', `record cancelled piece ${pieceId} of`);
  }

  const settled = pieceEvent(command);
  const after = evolve(job, settled) as ImportJobDetails;
  if (pendingPieces(after) > 0) return [settled];
  switch (job.status) {
    case 'Processing':
      return [settled, closing(after, command.metadata.now)];
    case 'Cancelling':
      return [settled, { type: 'ImportCancelled.v1', data: { jobId, occurredAt: command.metadata.now } }];
    default:
      // Planning: more pieces may come. Failing: the job's end was decided already. The piece is only counted.
      return [settled];
  }
}

function failImport({ data, metadata }: FailImport, state: ImportJob): readonly ImportJobEvent[] {
  const job = existingJob(state, data.jobId);
  switch (job.status) {
    case 'Requested':
    case 'Planning':
    case 'Processing':
      return [{ type: 'ImportFailing.v1', data: { jobId: job.jobId, reason: data.reason, occurredAt: metadata.now } }];
    case 'Failing':
    case 'Failed':
      return nothing;
    case 'Completing':
      return refuse(job, 'JOB_FINISHING', 'fail');
    case 'Cancelling':
      return refuse(job, 'JOB_CANCELLING', 'fail');
    case 'Completed':
    case 'Cancelled':
      return refuse(job, 'JOB_ALREADY_FINISHED', 'fail');
    default:
      return assertNever(job.status);
  }
}

function cancelImport({ data, metadata }: CancelImport, state: ImportJob): readonly ImportJobEvent[] {
  const job = existingJob(state, data.jobId);
  const cancelling: ImportJobEvent = {
    type: 'ImportCancelling.v1',
    data: { jobId: job.jobId, ...(data.reason === undefined ? {} : { reason: data.reason }), occurredAt: metadata.now },
  };
  switch (job.status) {
    case 'Requested':
    case 'Planning':
      // The plan stops where it is; the pieces of its recorded chunks still pending are waited for,
      // and none pending means nothing to wait for.
      if (pendingPieces(job) > 0) return [cancelling];
      return [cancelling, { type: 'ImportCancelled.v1', data: { jobId: job.jobId, occurredAt: metadata.now } }];
    case 'Processing':
      return [cancelling];
    case 'Cancelling':
    case 'Cancelled':
      return nothing;
    case 'Completing':
    case 'Failing':
      return refuse(job, 'JOB_FINISHING', 'cancel');
    case 'Completed':
    case 'Failed':
      return refuse(job, 'JOB_ALREADY_FINISHED', 'cancel');
    default:
      return assertNever(job.status);
  }
}

function finishImport({ data, metadata }: FinishImport, state: ImportJob): readonly ImportJobEvent[] {
  const job = existingJob(state, data.jobId);
  const report = data.failureReport === undefined ? {} : { failureReport: data.failureReport };
  switch (job.status) {
    case 'Completing':
      return [{ type: 'ImportCompleted.v1', data: { jobId: job.jobId, ...report, occurredAt: metadata.now } }];
    case 'Failing': {
      const reason = job.failureReason ?? { code: 'PIECES_FAILED', message: 'the job failed' };
      return [{ type: 'JobFailed.v1', data: { jobId: job.jobId, reason, ...report, occurredAt: metadata.now } }];
    }
    case 'Completed':
    case 'Failed':
      return nothing;
    case 'Cancelled':
      return refuse(job, 'JOB_ALREADY_FINISHED', 'finish');
    case 'Requested':
    case 'Planning':
    case 'Processing':
    case 'Cancelling':
      return refuse(job, 'JOB_NOT_FINISHING', 'finish');
    default:
      return assertNever(job.status);
  }
}

export function decide(command: ImportJobCommand, state: ImportJob): readonly ImportJobEvent[] {
  switch (command.type) {
    case 'RequestImport.v1':
      return requestImport(command, state);
    case 'StartPlanning.v1':
      return startPlanning(command, state);
    case 'RecordPlannedPieces.v1':
      return recordPlannedPieces(command, state);
    case 'CompletePlan.v1':
      return completePlan(command, state);
    case 'RecordPieceResult.v1':
      return recordPieceResult(command, state);
    case 'FailImport.v1':
      return failImport(command, state);
    case 'CancelImport.v1':
      return cancelImport(command, state);
    case 'FinishImport.v1':
      return finishImport(command, state);
    default:
      return assertNever(command);
  }
}

export const importJobDecider: Decider<ImportJobCommand, ImportJobEvent, ImportJob> = { decide, evolve, initialState };
