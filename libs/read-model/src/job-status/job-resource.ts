import {
  seedStatuses,
  type ImportDefinition,
  type ImportJobStatus,
  type JobFailureReason,
  type PinpointJobStatus,
  type RowFailure,
  type SeedStatuses,
} from '@import-jobs/domain';
import type { JobView } from './job-view';

/**
 * A job as the API answers it: our own names, then the same facts under the names each system we
 * stand in for uses, so that its clients find the fields they know. Userpilot's `status` is
 * `statuses.userpilot`: the plain `status` is ours.
 */
export interface JobResource {
  readonly id: string;
  readonly type: string;
  readonly status: ImportJobStatus;
  readonly statuses: SeedStatuses;
  readonly definition: ImportDefinition;
  readonly pieces: { readonly total: number; readonly completed: number; readonly failed: number; readonly cancelled: number };
  readonly rows: { readonly processed: number; readonly failed: number; readonly imported: number };
  readonly bytes: { readonly total: number; readonly processed: number };
  /** The first 100 rejected rows; every one is in the failure report. */
  readonly failures: readonly RowFailure[];
  readonly failureReason: JobFailureReason | null;
  readonly failureReport: { readonly location: string; readonly rows: number } | null;
  /** Q in Connect's link to the failure report: a presigned URL the API adds, never stored. */
  readonly failedRecordReport: string | null;
  /** When `failedRecordReport` stops working. */
  readonly urlExpiry: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly lastModifiedAt: string;

  // Pinpoint ImportJobResponse
  readonly JobStatus: PinpointJobStatus;
  readonly TotalPieces: number;
  readonly CompletedPieces: number;
  readonly FailedPieces: number;
  readonly TotalProcessed: number;
  readonly TotalFailures: number;
  readonly Failures: readonly string[];
  readonly CreationDate: string;
  readonly CompletionDate: string | null;

  // Userpilot POST /v1/imports (its numbers are strings)
  readonly job_id: string;
  readonly total_rows: string;
  readonly file_size: string;
  /** The uploaded file's name, for jobs started by an upload. */
  readonly filename: string | null;
  readonly start_time: string | null;
  readonly end_time: string | null;
}

export function toJobResource(view: JobView): JobResource {
  const statuses = seedStatuses(view.status);
  return {
    id: view.jobId,
    type: view.jobType,
    status: view.status,
    statuses,
    definition: view.definition,
    pieces: { total: view.pieces.total, completed: view.pieces.completed, failed: view.pieces.failed, cancelled: view.pieces.cancelled },
    rows: view.rows,
    bytes: view.bytes,
    failures: view.firstFailures,
    failureReason: view.failureReason,
    failureReport: view.failureReport && { location: view.failureReport.location, rows: view.failureReport.rows },
    failedRecordReport: null,
    urlExpiry: null,
    createdAt: view.createdAt,
    completedAt: view.completedAt,
    lastModifiedAt: view.lastModifiedAt,

    JobStatus: statuses.pinpoint,
    TotalPieces: view.pieces.total,
    CompletedPieces: view.pieces.completed,
    FailedPieces: view.pieces.failed,
    TotalProcessed: view.rows.processed,
    TotalFailures: view.rows.failed,
    Failures: view.firstFailures.map((failure) => `line ${failure.line} of ${failure.file}: ${failure.reason}`),
    CreationDate: view.createdAt,
    CompletionDate: view.completedAt,

    job_id: view.jobId,
    total_rows: String(view.rows.processed),
    file_size: String(view.bytes.total),
    filename: view.definition.metadata.filename ?? null,
    start_time: view.startedAt,
    end_time: view.completedAt,
  };
}
