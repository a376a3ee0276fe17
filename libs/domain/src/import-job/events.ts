import { assertNever, type Event } from '../decider';
import type { CsvDialect } from '../csv-dialect/csv-dialect';
import type { ImportDefinition } from './definition';

/**
 * A piece: a byte range of one source object, cut at a record boundary, that one worker imports
 * in one Kafka transaction. It names the exact object version it was planned on.
 */
export interface PieceSpec {
  readonly pieceId: string;
  readonly object: {
    readonly bucket: string;
    readonly key: string;
    readonly etag: string;
    readonly versionId?: string;
    readonly size: number;
  };
  /** Bytes [start, end) of the object; a gzip object is always read whole. */
  readonly range: { readonly start: number; readonly end: number };
  readonly compression: 'none' | 'gzip';
  /** The file's own line number of the piece's first record, so failures name real lines. */
  readonly firstLine: number;
  /** CSV only: the file's header, which every piece needs and only the first one contains. */
  readonly csvHeader?: readonly string[];
  /** CSV only: how the file is written, settled when it was planned; RFC 4180 in UTF-8 when absent (plans made before dialects). */
  readonly csv?: CsvDialect;
  readonly destinationTopic: string;
  /**
   * The user's file the piece was cut from, when `object` is not it: a gzip file is decompressed
   * while it is planned into staging objects of the service's own, each a plain piece, and its
   * rows, failures and records name this file and its own line numbers, never the staging object.
   */
  readonly origin?: ObjectOrigin;
}

/** The exact version of a user's source file. */
export interface ObjectOrigin {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly versionId?: string;
}

/** One rejected row, as the failure report and Pinpoint's `Failures` show it. */
export interface RowFailure {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  /** The raw row, cut to a bounded length. */
  readonly raw?: string;
}

export const jobFailureCodes = [
  'SOURCE_NOT_FOUND',
  'NO_MATCHING_FILES',
  'SOURCE_UNREADABLE',
  'PIECES_FAILED',
  'TOO_MANY_FAILED_ROWS',
  'REPORT_FAILED',
  /** Planning the job, or publishing its pieces, failed every attempt the planner allows. */
  'PLANNING_FAILED',
] as const;
export type JobFailureCode = (typeof jobFailureCodes)[number];

export interface JobFailureReason {
  readonly code: JobFailureCode;
  readonly message: string;
}

export const pieceFailureCodes = [
  'SOURCE_CHANGED',
  'SOURCE_NOT_FOUND',
  'SOURCE_UNREADABLE',
  'RECORD_TOO_LARGE',
  /** Every attempt at the piece failed, up to the limit: it is settled rather than tried forever. */
  'ATTEMPTS_EXHAUSTED',
  /** The piece's result could not be stored in the job's stream, however often it was tried. */
  'RESULT_UNRECORDABLE',
] as const;
export type PieceFailureCode = (typeof pieceFailureCodes)[number];

export interface PieceFailureReason {
  readonly code: PieceFailureCode;
  readonly message: string;
}

/** Where the full list of a job's rejected rows was written (every row, not only the first 100). */
export interface FailureReport {
  readonly location: string;
  readonly rows: number;
}


// ── Events ───────────────────────────────────────────────────────────────────────────────────
// The type string is a stored contract: a changed shape gets a new version, and the old one stays
// readable: `parseImportJobEvent` reads it and upcasts it to what the current version records.

export type ImportRequested = Event<
  'ImportRequested.v1',
  {
    readonly jobId: string;
    readonly tenantId: string;
    readonly clientToken: string;
    readonly definition: ImportDefinition;
    readonly occurredAt: string;
  }
>;

export type ImportPlanningStarted = Event<'ImportPlanningStarted.v1', { readonly jobId: string; readonly occurredAt: string }>;

/**
 * A whole plan in one event, as jobs were planned before plans were chunked. Streams still hold it,
 * read as its one chunk and its totals; nothing writes it any more, since past a few thousand
 * pieces it outgrows what one append may weigh.
 */
export type ImportPlannedWhole = Event<
  'ImportPlanned.v1',
  {
    readonly jobId: string;
    readonly pieces: readonly PieceSpec[];
    readonly files: number;
    readonly totalBytes: number;
    readonly occurredAt: string;
  }
>;

/** One chunk of a plan, the `chunk`-th from 0, its pieces in plan order (see `PlanChunker`). */
export type PiecesPlanned = Event<
  'PiecesPlanned.v1',
  { readonly jobId: string; readonly chunk: number; readonly pieces: readonly PieceSpec[]; readonly occurredAt: string }
>;

/** Every chunk of the plan is recorded: its totals, and the job may start processing. */
export type ImportPlanned = Event<
  'ImportPlanned.v2',
  { readonly jobId: string; readonly pieces: number; readonly files: number; readonly totalBytes: number; readonly occurredAt: string }
>;

export type PieceCompleted = Event<
  'PieceCompleted.v1',
  {
    readonly jobId: string;
    readonly pieceId: string;
    readonly rowsProcessed: number;
    readonly rowsFailed: number;
    readonly bytesProcessed: number;
    readonly firstFailures: readonly RowFailure[];
    /** Where the piece's full failure list was written, when it had failures. */
    readonly failureListLocation?: string;
    readonly occurredAt: string;
  }
>;

export type PieceFailed = Event<
  'PieceFailed.v1',
  { readonly jobId: string; readonly pieceId: string; readonly reason: PieceFailureReason; readonly occurredAt: string }
>;

/** A piece a worker did not import because its job was being cancelled. */
export type PieceCancelled = Event<'PieceCancelled.v1', { readonly jobId: string; readonly pieceId: string; readonly occurredAt: string }>;

export type ImportCompleting = Event<'ImportCompleting.v1', { readonly jobId: string; readonly occurredAt: string }>;

export type ImportFailing = Event<
  'ImportFailing.v1',
  { readonly jobId: string; readonly reason: JobFailureReason; readonly occurredAt: string }
>;

export type ImportCancelling = Event<
  'ImportCancelling.v1',
  { readonly jobId: string; readonly reason?: string; readonly occurredAt: string }
>;

export type ImportCompleted = Event<
  'ImportCompleted.v1',
  { readonly jobId: string; readonly failureReport?: FailureReport; readonly occurredAt: string }
>;

export type JobFailed = Event<
  'JobFailed.v1',
  {
    readonly jobId: string;
    readonly reason: JobFailureReason;
    readonly failureReport?: FailureReport;
    readonly occurredAt: string;
  }
>;

export type ImportCancelled = Event<'ImportCancelled.v1', { readonly jobId: string; readonly occurredAt: string }>;

/** The events the current version records, and the only ones `evolve` folds. */
export type ImportJobEvent =
  | ImportRequested
  | ImportPlanningStarted
  | PiecesPlanned
  | ImportPlanned
  | PieceCompleted
  | PieceFailed
  | PieceCancelled
  | ImportCompleting
  | ImportFailing
  | ImportCancelling
  | ImportCompleted
  | JobFailed
  | ImportCancelled;

/** Every version a job's stream may hold: the current events and those older ones still readable. */
export type StoredImportJobEvent = ImportJobEvent | ImportPlannedWhole;

export type ImportJobEventType = StoredImportJobEvent['type'];

/** `PieceCompleted.v1` → `{ name: 'PieceCompleted', version: 1 }`: the contract's two parts. */
export function splitEventType(type: ImportJobEventType): { readonly name: string; readonly version: number } {
  const separator = type.lastIndexOf('.v');
  return { name: type.slice(0, separator), version: Number(type.slice(separator + 2)) };
}

/**
 * The logical identity of an event within its job's stream. The application derives the stored
 * event id from it (a UUIDv5 of job id and identity), so the event store itself refuses a second
 * result for the same piece or a second terminal event, even from two racing processes.
 */
export function eventIdentity(event: ImportJobEvent): string {
  switch (event.type) {
    case 'ImportRequested.v1':
      // The request itself is its identity: the same request sent again is one event, while a
      // different request racing for the same client token is a different one, which the store
      // then refuses as a second first event (and the job answers as an idempotency conflict).
      return `requested:${JSON.stringify([event.data.clientToken, event.data.definition])}`;
    case 'ImportPlanningStarted.v1':
      return 'planning-started';
    // Chunks are recorded in order and a plan's piece ids derive from the object versions it
    // was cut from: the same plan made again repeats each identity, and a chunk of another plan
    // differs from it in its first piece.
    case 'PiecesPlanned.v1':
      return `pieces-planned:${event.data.chunk}:${event.data.pieces[0]?.pieceId ?? ''}`;
    case 'ImportPlanned.v2':
      return 'planned';
    case 'PieceCompleted.v1':
    case 'PieceFailed.v1':
    case 'PieceCancelled.v1':
      return `piece-settled:${event.data.pieceId}`;
    case 'ImportCompleting.v1':
    case 'ImportFailing.v1':
      return 'closing';
    case 'ImportCancelling.v1':
      return 'cancelling';
    case 'ImportCompleted.v1':
    case 'JobFailed.v1':
    case 'ImportCancelled.v1':
      return 'terminal';
    default:
      return assertNever(event);
  }
}
