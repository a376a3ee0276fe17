import type { FailureReport, ImportJobStatus, JobFailureReason } from '@import-jobs/domain';
import type { JobView } from './job-view';

/**
 * One version of a job's view, as a live progress stream sends it: the counters and dates, not the
 * definition, piece list or failed rows (those stay on the job's resource), so that every version
 * can be kept and sent.
 */
export interface JobProgress {
  readonly jobId: string;
  /** The view's stream revision: strictly increasing per job, so a client can resume after it. */
  readonly version: number;
  readonly status: ImportJobStatus;
  readonly pieces: JobView['pieces'];
  readonly rows: JobView['rows'];
  readonly bytes: JobView['bytes'];
  readonly files: number;
  readonly failureReason: JobFailureReason | null;
  readonly failureReport: FailureReport | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly lastModifiedAt: string;
  readonly completedAt: string | null;
}

export function toJobProgress(view: JobView): JobProgress {
  return {
    jobId: view.jobId,
    version: view.revision,
    status: view.status,
    pieces: view.pieces,
    rows: view.rows,
    bytes: view.bytes,
    files: view.files,
    failureReason: view.failureReason,
    failureReport: view.failureReport,
    createdAt: view.createdAt,
    startedAt: view.startedAt,
    lastModifiedAt: view.lastModifiedAt,
    completedAt: view.completedAt,
  };
}
