import {
  evolve,
  initialState,
  PieceStatuses,
  type FailureReport,
  type ImportDefinition,
  type ImportJob,
  type ImportJobDetails,
  type ImportJobEvent,
  type ImportJobStatus,
  type JobFailureReason,
  type RowFailure,
} from '@import-jobs/domain';
import { serializePosition, type GlobalPosition, type SerializedPosition } from '@import-jobs/event-store';
import type { PieceLedger } from './piece-ledger';

/**
 * What the status API reads about one job: the aggregate's state as `evolve` folds it, in a form
 * that survives a JSON round trip (no Map, no bigint, null rather than undefined), plus where in
 * the store it was last brought up to date. Counts only: each piece's status is in a `PieceLedger`
 * beside the view, so that a job of 100,000 pieces has a view of the same size as a job of one.
 */
export interface JobView {
  readonly jobId: string;
  readonly tenantId: string;
  readonly clientToken: string;
  readonly jobType: string;
  readonly status: ImportJobStatus;
  /** The request, as Pinpoint's `Definition` echoes it. */
  readonly definition: ImportDefinition;
  readonly pieces: { readonly total: number; readonly completed: number; readonly failed: number; readonly cancelled: number };
  /** Distinct pieces planned so far: the plan's total once `ImportPlanned` records it. */
  readonly plannedPieces: number;
  /** `imported` rows reached the destination topic: processed minus failed. */
  readonly rows: { readonly processed: number; readonly failed: number; readonly imported: number };
  readonly bytes: { readonly total: number; readonly processed: number };
  readonly files: number;
  /** At most `maxFailuresKept`; the failure report holds every one. */
  readonly firstFailures: readonly RowFailure[];
  readonly failureReason: JobFailureReason | null;
  readonly failureReport: FailureReport | null;
  readonly createdAt: string;
  readonly lastModifiedAt: string;
  readonly completedAt: string | null;
  /** When planning started: Userpilot's `start_time`. */
  readonly startedAt: string | null;
  /** The revision of the job stream's last event applied: the idempotency guard. */
  readonly revision: number;
  readonly lastPosition: SerializedPosition;
}

/** Where a stored event sits: its stream revision guards re-application, its position is recorded. */
export interface EventMeta {
  readonly streamRevision: bigint;
  readonly position: GlobalPosition;
}

/**
 * Applies one stored event of the job's stream: the events `parseImportJobEvent` read from it,
 * which an older version of an event may make several of. Never throws: a stored event at or below
 * the view's revision is one already applied (a replay, a second projector) and leaves the view as
 * it is; events before the request leave no view. `pieces` holds the status of every piece the
 * events name, and receives what they change.
 */
export function projectJobView(view: JobView | null, events: readonly ImportJobEvent[], meta: EventMeta, pieces: PieceLedger): JobView | null {
  if (view !== null && meta.streamRevision <= BigInt(view.revision)) return view;
  const start = { job: view === null ? initialState() : toJob(view), plannedPieces: view?.plannedPieces ?? 0 };
  const { job, plannedPieces } = events.reduce(({ job, plannedPieces }, event) => evolveWithLedger(job, plannedPieces, event, pieces), start);
  if (job.status === 'NotStarted') return view;
  const planningStarted = events.find((event) => event.type === 'ImportPlanningStarted.v1');
  const startedAt = view?.startedAt ?? planningStarted?.data.occurredAt ?? null;
  return toView(job, { plannedPieces, startedAt, revision: Number(meta.streamRevision), lastPosition: serializePosition(meta.position) });
}

/**
 * `evolve`, with a piece map that holds only the pieces the event names, as the ledger has them:
 * `evolve` still decides whether a piece counts and what its result adds, and the ledger takes the
 * statuses it changed. Only the plan's total, which `evolve` takes from the size of its map, comes
 * from the ledger's count of planned pieces instead.
 */
function evolveWithLedger(
  job: ImportJob,
  plannedPieces: number,
  event: ImportJobEvent,
  pieces: PieceLedger,
): { readonly job: ImportJob; readonly plannedPieces: number } {
  if (job.status === 'NotStarted') return { job: evolve(job, event), plannedPieces };
  const { jobId } = job;
  const known = PieceStatuses.fromEntries(
    piecesNamedBy(event).flatMap((pieceId) => {
      const status = pieces.statusOf(jobId, pieceId);
      return status === undefined ? [] : [[pieceId, status] as const];
    }),
  );
  const next = evolve({ ...job, pieces: known }, event);
  if (next.status === 'NotStarted') return { job: next, plannedPieces };
  let planned = plannedPieces;
  for (const [pieceId, status] of next.pieces) {
    const before = known.get(pieceId);
    if (before === status) continue;
    if (before === undefined) planned += 1;
    pieces.record(jobId, pieceId, status);
  }
  // Pieces are imported while the plan is still being found: until its totals, a job counts the pieces found so far.
  const pieceCounts = event.type === 'PiecesPlanned.v1' || event.type === 'ImportPlanned.v2' ? { ...next.pieceCounts, total: planned } : next.pieceCounts;
  // Neither the plan nor the piece map outlives the event: the ledger holds what the view needs of them.
  const { plan: _plan, ...rest } = next;
  return { job: { ...rest, plannedChunks: [], pieces: PieceStatuses.none, pieceCounts }, plannedPieces: planned };
}

/** The pieces whose status the event reads or sets. */
export function piecesNamedBy(event: ImportJobEvent): readonly string[] {
  switch (event.type) {
    case 'PiecesPlanned.v1':
      return event.data.pieces.map((piece) => piece.pieceId);
    case 'PieceCompleted.v1':
    case 'PieceFailed.v1':
    case 'PieceCancelled.v1':
      return [event.data.pieceId];
    default:
      return [];
  }
}

function toJob(view: JobView): ImportJobDetails {
  return {
    status: view.status,
    jobId: view.jobId,
    tenantId: view.tenantId,
    clientToken: view.clientToken,
    definition: view.definition,
    createdAt: view.createdAt,
    lastModifiedAt: view.lastModifiedAt,
    ...(view.completedAt !== null && { completedAt: view.completedAt }),
    // The view reports a plan, it never checks one; the ledger holds the pieces' statuses.
    plannedChunks: [],
    pieces: PieceStatuses.none,
    pieceCounts: view.pieces,
    rows: { processed: view.rows.processed, failed: view.rows.failed },
    bytes: view.bytes,
    files: view.files,
    firstFailures: view.firstFailures,
    ...(view.failureReason !== null && { failureReason: view.failureReason }),
    ...(view.failureReport !== null && { failureReport: view.failureReport }),
  };
}

function toView(job: ImportJobDetails, tracking: Pick<JobView, 'plannedPieces' | 'startedAt' | 'revision' | 'lastPosition'>): JobView {
  return {
    jobId: job.jobId,
    tenantId: job.tenantId,
    clientToken: job.clientToken,
    jobType: job.definition.jobType,
    status: job.status,
    definition: job.definition,
    pieces: job.pieceCounts,
    rows: { ...job.rows, imported: Math.max(0, job.rows.processed - job.rows.failed) },
    bytes: job.bytes,
    files: job.files,
    firstFailures: job.firstFailures,
    failureReason: job.failureReason ?? null,
    failureReport: job.failureReport ?? null,
    createdAt: job.createdAt,
    lastModifiedAt: job.lastModifiedAt,
    completedAt: job.completedAt ?? null,
    ...tracking,
  };
}
