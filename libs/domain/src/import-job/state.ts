import { assertNever } from '../decider';
import type { ImportDefinition } from './definition';
import type { FailureReport, ImportJobEvent, JobFailureReason, PieceFailureReason, PieceSpec, RowFailure } from './events';
import { PieceStatuses, type PieceStatus } from './piece-statuses';

export type ActiveStatus = 'Requested' | 'Planning' | 'Processing' | 'Completing' | 'Failing' | 'Cancelling';
export type FinishedStatus = 'Completed' | 'Failed' | 'Cancelled';
export type ImportJobStatus = ActiveStatus | FinishedStatus;

export const finishedStatuses: readonly FinishedStatus[] = ['Completed', 'Failed', 'Cancelled'];

export function isFinished(status: ImportJobStatus): status is FinishedStatus {
  return (finishedStatuses as readonly string[]).includes(status);
}

/** Pinpoint keeps the first 100 failures on the job; the rest are in the failure report. */
export const maxFailuresKept = 100;

export interface ImportJobDetails {
  readonly status: ImportJobStatus;
  readonly jobId: string;
  readonly tenantId: string;
  readonly clientToken: string;
  readonly definition: ImportDefinition;
  readonly createdAt: string;
  readonly lastModifiedAt: string;
  readonly completedAt?: string;
  /** Undefined until the whole plan is recorded; then the pieces exactly as planned, in order. */
  readonly plan?: readonly PieceSpec[];
  /** The plan's chunks recorded so far, as recorded: a chunk recorded again must repeat its own. */
  readonly plannedChunks: readonly (readonly PieceSpec[])[];
  /** Every piece of a recorded chunk, pending until it settles. */
  readonly pieces: PieceStatuses;
  readonly pieceCounts: { readonly total: number; readonly completed: number; readonly failed: number; readonly cancelled: number };
  readonly rows: { readonly processed: number; readonly failed: number };
  readonly bytes: { readonly total: number; readonly processed: number };
  readonly files: number;
  readonly firstFailures: readonly RowFailure[];
  readonly firstPieceFailure?: { readonly pieceId: string; readonly reason: PieceFailureReason };
  readonly failureReason?: JobFailureReason;
  readonly failureReport?: FailureReport;
}

export type ImportJob = { readonly status: 'NotStarted' } | ImportJobDetails;

export function initialState(): ImportJob {
  return { status: 'NotStarted' };
}

/** Pieces of the chunks recorded so far not settled yet: while planning goes on, more may follow. */
export function pendingPieces(job: ImportJobDetails): number {
  const { completed, failed, cancelled } = job.pieceCounts;
  return job.pieces.size - completed - failed - cancelled;
}

/**
 * The piece at this plan position, among the chunks recorded so far: the plan is not complete
 * while it is being found, yet its recorded pieces are already work. A look-up walks the chunks
 * (a hundred for 100,000 pieces) until the plan is complete, then indexes it.
 */
export function plannedPieceAt(job: ImportJobDetails, position: number): PieceSpec | undefined {
  if (job.plan !== undefined) return job.plan[position];
  let first = 0;
  for (const chunk of job.plannedChunks) {
    if (position < first + chunk.length) return chunk[position - first];
    first += chunk.length;
  }
  return undefined;
}

/** The recorded pieces from this plan position on, in plan order. */
export function* plannedPiecesFrom(job: ImportJobDetails, position: number): Generator<PieceSpec> {
  let first = 0;
  for (const chunk of job.plannedChunks) {
    for (let index = Math.max(0, position - first); index < chunk.length; index++) yield chunk[index]!;
    first += chunk.length;
  }
}

function settlePiece(job: ImportJobDetails, pieceId: string, outcome: Exclude<PieceStatus, 'pending'>, occurredAt: string): ImportJobDetails {
  return {
    ...job,
    pieces: job.pieces.with(pieceId, outcome),
    pieceCounts: { ...job.pieceCounts, [outcome]: job.pieceCounts[outcome] + 1 },
    lastModifiedAt: occurredAt,
  };
}

function withStatus(job: ImportJobDetails, status: ImportJobStatus, occurredAt: string): ImportJobDetails {
  return { ...job, status, lastModifiedAt: occurredAt };
}

/**
 * Folds one event into the job. It never throws: an event that does not fit the state (which
 * `decide` never produces) leaves the state as it was, so a projection can always replay.
 */
export function evolve(state: ImportJob, event: ImportJobEvent): ImportJob {
  if (event.type === 'ImportRequested.v1') {
    if (state.status !== 'NotStarted') return state;
    const { jobId, tenantId, clientToken, definition, occurredAt } = event.data;
    return {
      status: 'Requested',
      jobId,
      tenantId,
      clientToken,
      definition,
      createdAt: occurredAt,
      lastModifiedAt: occurredAt,
      plannedChunks: [],
      pieces: PieceStatuses.none,
      pieceCounts: { total: 0, completed: 0, failed: 0, cancelled: 0 },
      rows: { processed: 0, failed: 0 },
      bytes: { total: 0, processed: 0 },
      files: 0,
      firstFailures: [],
    };
  }
  if (state.status === 'NotStarted') return state;
  const { occurredAt } = event.data;

  switch (event.type) {
    case 'ImportPlanningStarted.v1':
      return withStatus(state, 'Planning', occurredAt);
    case 'PiecesPlanned.v1': {
      const { pieces } = event.data;
      return {
        ...state,
        plannedChunks: [...state.plannedChunks, pieces],
        pieces: state.pieces.withPlanned(pieces.map((piece) => piece.pieceId)),
        lastModifiedAt: occurredAt,
      };
    }
    case 'ImportPlanned.v2': {
      const { files, totalBytes } = event.data;
      return {
        ...withStatus(state, 'Processing', occurredAt),
        plan: state.plannedChunks.flat(),
        // The count of what the chunks hold, which `decide` checked the event's count against.
        pieceCounts: { ...state.pieceCounts, total: state.pieces.size },
        files,
        bytes: { ...state.bytes, total: totalBytes },
      };
    }
    case 'PieceCompleted.v1': {
      const { pieceId, rowsProcessed, rowsFailed, bytesProcessed, firstFailures } = event.data;
      if (state.pieces.get(pieceId) !== 'pending') return state;
      const settled = settlePiece(state, pieceId, 'completed', occurredAt);
      return {
        ...settled,
        rows: { processed: state.rows.processed + rowsProcessed, failed: state.rows.failed + rowsFailed },
        bytes: { ...state.bytes, processed: state.bytes.processed + bytesProcessed },
        firstFailures:
          state.firstFailures.length >= maxFailuresKept
            ? state.firstFailures
            : [...state.firstFailures, ...firstFailures].slice(0, maxFailuresKept),
      };
    }
    case 'PieceFailed.v1': {
      const { pieceId, reason } = event.data;
      if (state.pieces.get(pieceId) !== 'pending') return state;
      return { ...settlePiece(state, pieceId, 'failed', occurredAt), firstPieceFailure: state.firstPieceFailure ?? { pieceId, reason } };
    }
    case 'PieceCancelled.v1':
      if (state.pieces.get(event.data.pieceId) !== 'pending') return state;
      return settlePiece(state, event.data.pieceId, 'cancelled', occurredAt);
    case 'ImportCompleting.v1':
      return withStatus(state, 'Completing', occurredAt);
    case 'ImportFailing.v1':
      return { ...withStatus(state, 'Failing', occurredAt), failureReason: event.data.reason };
    case 'ImportCancelling.v1':
      return withStatus(state, 'Cancelling', occurredAt);
    case 'ImportCompleted.v1':
      return { ...withStatus(state, 'Completed', occurredAt), completedAt: occurredAt, failureReport: event.data.failureReport };
    case 'JobFailed.v1':
      return {
        ...withStatus(state, 'Failed', occurredAt),
        completedAt: occurredAt,
        failureReason: event.data.reason,
        failureReport: event.data.failureReport,
      };
    case 'ImportCancelled.v1':
      return { ...withStatus(state, 'Cancelled', occurredAt), completedAt: occurredAt };
    default:
      return assertNever(event);
  }
}
