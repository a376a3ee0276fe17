import type { JobProgress } from './job-progress';
import type { JobView } from './job-view';
import type { JobViewChangeListener, JobViewChangeListening } from './job-view-notifications';
import type { ImportJobStatus } from '@import-jobs/domain';
import type { JobCursor } from './job-cursor';

export interface JobViewFilter {
  readonly statuses?: readonly ImportJobStatus[];
  /** Exclusive: only jobs listed after this one, newest first. */
  readonly after?: JobCursor;
  readonly limit: number;
}

/**
 * The read side of the job views, as the API's use cases need it: they depend on this port, and the
 * wiring binds it to the PostgreSQL views (or whatever store a deployment chooses).
 */
export interface JobViewReader {
  findJob(tenantId: string, jobId: string): Promise<JobView | undefined>;
  findJobs(tenantId: string, filter: JobViewFilter): Promise<JobView[]>;
  /** A job's progress versions after `afterVersion`, oldest first. */
  readChanges(tenantId: string, jobId: string, afterVersion: number, limit: number): Promise<JobProgress[]>;
  listenForChanges(listener: JobViewChangeListener): Promise<JobViewChangeListening>;
}
