import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { asImportJobEvent, importJobStreamId, NotFoundError, parseS3Url, type ImportJobStatus } from '@import-jobs/domain';
import type { EventStore } from '@import-jobs/event-store';
import { projectJobView, toJobResource, type JobResource, type JobStatusQueries, type JobView } from '@import-jobs/read-model';
import type { ServiceConfig } from '../config/service-config';
import { EVENT_STORE, JOB_STATUS_QUERIES, S3_CLIENT, SERVICE_CONFIG } from '../di-tokens';

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
async function withReportLink(view: JobView, s3: S3Client, ttlSeconds: number): Promise<JobResource> {
  const resource = toJobResource(view);
  const report = view.failureReport ? parseS3Url(view.failureReport.location) : undefined;
  if (!report) return resource;
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: report.bucket, Key: report.key }), { expiresIn: ttlSeconds });
  return { ...resource, failedRecordReport: url, urlExpiry: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
}

@QueryHandler(GetImportJobQuery)
export class GetImportJobHandler implements IQueryHandler<GetImportJobQuery, JobResource> {
  constructor(
    @Inject(JOB_STATUS_QUERIES) private readonly queries: JobStatusQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(S3_CLIENT) private readonly s3: S3Client,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async execute({ tenantId, jobId }: GetImportJobQuery): Promise<JobResource> {
    const view = (await this.queries.getJob(tenantId, jobId)) ?? (await this.projectFromStream(tenantId, jobId));
    if (!view) throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
    return withReportLink(view, this.s3, this.config.reportLinkTtlSeconds);
  }

  /**
   * Read-your-writes: a job accepted a moment ago may not be projected yet, but its stream is
   * there. Folding it with the projection's own function gives the view the read model will hold.
   */
  private async projectFromStream(tenantId: string, jobId: string): Promise<JobView | undefined> {
    let view: JobView | null = null;
    for (const recorded of await this.store.readStream(importJobStreamId(jobId))) {
      const event = asImportJobEvent(recorded);
      if (event) view = projectJobView(view, event, recorded);
    }
    return view?.tenantId === tenantId ? view : undefined;
  }
}

@QueryHandler(ListImportJobsQuery)
export class ListImportJobsHandler implements IQueryHandler<ListImportJobsQuery, ImportJobPage> {
  constructor(
    @Inject(JOB_STATUS_QUERIES) private readonly queries: JobStatusQueries,
    @Inject(S3_CLIENT) private readonly s3: S3Client,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async execute({ tenantId, options }: ListImportJobsQuery): Promise<ImportJobPage> {
    const page = await this.queries.listJobs(tenantId, options);
    const jobs = await Promise.all(page.jobs.map((view) => withReportLink(view, this.s3, this.config.reportLinkTtlSeconds)));
    return { jobs, nextCursor: page.nextCursor };
  }
}
