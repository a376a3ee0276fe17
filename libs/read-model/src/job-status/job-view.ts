import {
  evolve,
  initialState,
  PieceStatuses,
  type FailureReport,
  type ImportDefinition,
  type ImportJobDetails,
  type ImportJobEvent,
  type ImportJobStatus,
  type JobFailureReason,
  type PieceStatus,
  type RowFailure,
} from '@import-jobs/domain';
import { serializePosition, type GlobalPosition, type SerializedPosition } from '@import-jobs/event-store';

/**
 * What the status API reads about one job: the aggregate's state as `evolve` folds it, in a form
 * that survives a JSON round trip (no Map, no bigint, null rather than undefined), plus where in
 * the store it was last brought up to date.
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
  /**
   * Every planned piece and how it settled: the same guard `evolve` uses to count a piece once,
   * kept so that the view's counters are the aggregate's whatever the stream holds.
   */
  readonly pieceStatuses: Readonly<Record<string, PieceStatus>>;
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
 * it is; events before the request leave no view.
 */
export function projectJobView(view: JobView | null, events: readonly ImportJobEvent[], meta: EventMeta): JobView | null {
  if (view !== null && meta.streamRevision <= BigInt(view.revision)) return view;
  const job = events.reduce(evolve, view === null ? initialState() : (jobOfView.get(view) ?? toJob(view)));
  if (job.status === 'NotStarted') return view;
  const planningStarted = events.find((event) => event.type === 'ImportPlanningStarted.v1');
  const startedAt = view?.startedAt ?? planningStarted?.data.occurredAt ?? null;
  const next = toView(job, { startedAt, revision: Number(meta.streamRevision), lastPosition: serializePosition(meta.position) });
  jobOfView.set(next, job);
  return next;
}

// The job each view of this process was folded from. Rebuilding it from the view costs a pass
// over every piece, for each event of a job that has one event per piece; the job itself holds
// more than the view (its plan), but nothing the next view is made of differs.
const jobOfView = new WeakMap<JobView, ImportJobDetails>();

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
    // The view keeps each piece's status, not its spec: it reports a plan, it never checks one.
    plannedChunks: [],
    pieces: PieceStatuses.fromEntries(Object.entries(view.pieceStatuses)),
    pieceCounts: view.pieces,
    rows: { processed: view.rows.processed, failed: view.rows.failed },
    bytes: view.bytes,
    files: view.files,
    firstFailures: view.firstFailures,
    ...(view.failureReason !== null && { failureReason: view.failureReason }),
    ...(view.failureReport !== null && { failureReport: view.failureReport }),
  };
}

function toView(job: ImportJobDetails, tracking: Pick<JobView, 'startedAt' | 'revision' | 'lastPosition'>): JobView {
  return {
    jobId: job.jobId,
    tenantId: job.tenantId,
    clientToken: job.clientToken,
    jobType: job.definition.jobType,
    status: job.status,
    definition: job.definition,
    pieces: job.pieceCounts,
    // fromEntries defines own properties, so a piece id such as "__proto__" stays a plain key.
    pieceStatuses: Object.fromEntries(job.pieces),
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
