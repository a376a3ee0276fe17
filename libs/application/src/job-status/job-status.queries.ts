import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { importJobStreamId, NotFoundError, parseS3Url, type ImportJobStatus } from '@import-jobs/domain';
import type { EventStore } from '@import-jobs/event-store';
import type { ObjectStore } from '@import-jobs/sources';
import { projectJobStream, toJobResource, type JobResource, type JobStatusQueries, type JobView } from '@import-jobs/read-model';
import type { ServiceConfig } from '../config/service-config';
import { EVENT_STORE, JOB_STATUS_QUERIES, OBJECT_STORE, SERVICE_CONFIG } from '../di-tokens';

export class GetImportJobQuery {
  constructor(
    readonly tenantId: string,
    readonly jobId: string,
  ) {}
}

export class ListImportJobsQuery {
  constructor(
    readonly tenantId: string,
    readonly options: { readonly status?: readonly ImportJobStatus[]; readonly limit?: number; readonly cursor?: string },
  ) {}
}

export interface ImportJobPage {
  readonly jobs: readonly JobResource[];
  readonly nextCursor: string | null;
}

/** Adds what is never stored: a presigned link to the failure report, valid for a while. */
async function withReportLink(view: JobView, objectStore: ObjectStore, ttlSeconds: number): Promise<JobResource> {
  const resource = toJobResource(view);
  const report = view.failureReport ? parseS3Url(view.failureReport.location) : undefined;
  if (!report) return resource;
  const url = await objectStore.presign(report, ttlSeconds);
  return { ...resource, failedRecordReport: url, urlExpiry: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
}

@QueryHandler(GetImportJobQuery)
export class GetImportJobHandler implements IQueryHandler<GetImportJobQuery, JobResource> {
  constructor(
    @Inject(JOB_STATUS_QUERIES) private readonly queries: JobStatusQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OBJECT_STORE) private readonly objectStore: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async execute({ tenantId, jobId }: GetImportJobQuery): Promise<JobResource> {
    const view = (await this.queries.getJob(tenantId, jobId)) ?? (await this.projectFromStream(tenantId, jobId));
    if (!view) throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
    return withReportLink(view, this.objectStore, this.config.reportLinkTtlSeconds);
  }

  /**
   * Read-your-writes: a job accepted a moment ago may not be projected yet, but its stream is
   * there. Folding it with the projection's own function gives the view the read model will hold.
   */
  private async projectFromStream(tenantId: string, jobId: string): Promise<JobView | undefined> {
    const view = projectJobStream(await this.store.readStream(importJobStreamId(jobId)));
    return view?.tenantId === tenantId ? view : undefined;
  }
}

@QueryHandler(ListImportJobsQuery)
export class ListImportJobsHandler implements IQueryHandler<ListImportJobsQuery, ImportJobPage> {
  constructor(
    @Inject(JOB_STATUS_QUERIES) private readonly queries: JobStatusQueries,
    @Inject(OBJECT_STORE) private readonly objectStore: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async execute({ tenantId, options }: ListImportJobsQuery): Promise<ImportJobPage> {
    const page = await this.queries.listJobs(tenantId, options);
    const jobs = await Promise.all(page.jobs.map((view) => withReportLink(view, this.objectStore, this.config.reportLinkTtlSeconds)));
    return { jobs, nextCursor: page.nextCursor };
  }
}
