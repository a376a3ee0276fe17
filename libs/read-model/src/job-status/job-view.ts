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
  type PieceSpec,
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
  readonly recordedAt: Date;
}

/**
 * Applies one event of the job's stream. Never throws: an event at or below the view's revision
 * is one already applied (a replay, a second projector) and leaves the view as it is; an event
 * before the request leaves no view; malformed values are defaulted rather than stall the
 * projector, since the fix for them belongs in `decide`.
 */
export function projectJobView(view: JobView | null, event: ImportJobEvent, meta: EventMeta): JobView | null {
  if (view !== null && meta.streamRevision <= BigInt(view.revision)) return view;
  const sane = sanitised(event, meta.recordedAt);
  if (sane === undefined) return view;
  const job = evolve(view === null ? initialState() : (jobOfView.get(view) ?? toJob(view)), sane);
  if (job.status === 'NotStarted') return view;
  const startedAt = view?.startedAt ?? (sane.type === 'ImportPlanningStarted.v1' ? sane.data.occurredAt : null);
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

// ── Defaults for malformed events ─────────────────────────────────────────────────────────────
// `decide` never produces these; a stored event is a contract that code outside it may break.

/** The event with values the view and its SQL columns can hold; undefined for a request naming no tenant. */
function sanitised(event: ImportJobEvent, recordedAt: Date): ImportJobEvent | undefined {
  const occurredAt = isoTimestamp(event.data.occurredAt) ?? recordedAt.toISOString();
  switch (event.type) {
    case 'ImportRequested.v1': {
      const { jobId, tenantId, clientToken, definition } = event.data as Partial<Record<string, unknown>>;
      if (typeof jobId !== 'string' || typeof tenantId !== 'string' || typeof definition !== 'object' || definition === null) return undefined;
      const jobType = (definition as Partial<ImportDefinition>).jobType;
      return {
        type: event.type,
        data: {
          ...event.data,
          clientToken: typeof clientToken === 'string' ? clientToken : '',
          definition: { ...(definition as ImportDefinition), jobType: typeof jobType === 'string' ? jobType : '' },
          occurredAt,
        },
      };
    }
    case 'ImportPlanned.v1':
      return {
        type: event.type,
        data: { ...event.data, pieces: identifiedPieces(event.data.pieces), files: count(event.data.files), totalBytes: count(event.data.totalBytes), occurredAt },
      };
    case 'PiecesPlanned.v1':
      return { type: event.type, data: { ...event.data, chunk: count(event.data.chunk), pieces: identifiedPieces(event.data.pieces), occurredAt } };
    case 'ImportPlanned.v2':
      return {
        type: event.type,
        data: { ...event.data, files: count(event.data.files), totalBytes: count(event.data.totalBytes), occurredAt },
      };
    case 'PieceCompleted.v1': {
      const rowsProcessed = count(event.data.rowsProcessed);
      const firstFailures: unknown = event.data.firstFailures;
      return {
        type: event.type,
        data: {
          ...event.data,
          rowsProcessed,
          rowsFailed: Math.min(count(event.data.rowsFailed), rowsProcessed),
          bytesProcessed: count(event.data.bytesProcessed),
          firstFailures: Array.isArray(firstFailures) ? firstFailures : [],
          occurredAt,
        },
      };
    }
    default:
      // The type and every other field are the event's own; only the timestamp changes.
      return { ...event, data: { ...event.data, occurredAt } } as ImportJobEvent;
  }
}

/** A timestamp PostgreSQL and ISO-8601 readers both accept, in one canonical form; undefined otherwise. */
function isoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  if (!Number.isFinite(time)) return undefined;
  const iso = new Date(time).toISOString();
  return /^(?!0000)\d{4}-/.test(iso) ? iso : undefined;
}

function identifiedPieces(pieces: unknown): PieceSpec[] {
  return Array.isArray(pieces) ? pieces.filter((piece) => typeof (piece as { pieceId?: unknown } | null)?.pieceId === 'string') : [];
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
