import { ValidationError, type ImportJobStatus } from '@import-jobs/domain';
import { decodeJobCursor, encodeJobCursor } from './job-cursor';
import type { JobView } from './job-view';
import type { PostgreSqlJobViews } from './postgresql-job-views';

export interface ListJobsOptions {
  /** Only jobs in one of these statuses; absent or empty: every status. */
  readonly status?: readonly ImportJobStatus[];
  /** 1 to 500; defaults to 50. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface JobPage {
  readonly jobs: readonly JobView[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

export const defaultPageSize = 50;
export const maxPageSize = 500;

// A Record, so that a status added to the domain fails to compile here until it is listed.
const statusNames: Record<ImportJobStatus, true> = {
  Requested: true,
  Planning: true,
  Processing: true,
  Completing: true,
  Failing: true,
  Cancelling: true,
  Completed: true,
  Failed: true,
  Cancelled: true,
};
const knownStatuses = Object.keys(statusNames);

/** What the API asks the read model. Every query names the tenant: another tenant's job does not exist. */
export class JobStatusQueries {
  constructor(private readonly views: PostgreSqlJobViews) {}

  async getJob(tenantId: string, jobId: string): Promise<JobView | undefined> {
    return this.views.findJob(tenantId, jobId);
  }

  /**
   * Newest first (creation time, then job id, both descending). Paging is by key, not offset: a
   * job created while a client pages never shifts a page, so each job is listed once.
   *
   * @throws InvalidCursorError (a ValidationError on `cursor`), or ValidationError on `limit` or `status`.
   */
  async listJobs(tenantId: string, { status, limit = defaultPageSize, cursor }: ListJobsOptions = {}): Promise<JobPage> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxPageSize) {
      throw new ValidationError('limit', `must be a whole number from 1 to ${maxPageSize}, not ${limit}`);
    }
    const unknown = status?.find((candidate) => !Object.hasOwn(statusNames, candidate));
    if (unknown !== undefined) throw new ValidationError('status', `"${unknown}" is not one of ${knownStatuses.join(', ')}`);
    const after = cursor === undefined ? undefined : decodeJobCursor(cursor);
    // One row more than asked tells whether another page follows without a second query.
    const found = await this.views.findJobs(tenantId, { ...(status && { statuses: status }), ...(after && { after }), limit: limit + 1 });
    const jobs = found.slice(0, limit);
    const last = jobs.at(-1);
    return { jobs, nextCursor: found.length > limit && last ? encodeJobCursor({ createdAt: last.createdAt, jobId: last.jobId }) : null };
  }
}
