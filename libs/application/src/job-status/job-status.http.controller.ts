import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ImportJobStatus } from '@import-jobs/domain';
import type { JobResource } from '@import-jobs/read-model';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../di-tokens';
import { GetImportJobQuery, ListImportJobsQuery, type ImportJobPage } from './job-status.queries';

@Controller('v1/imports')
export class JobStatusHttpController {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Get(':jobId')
  getJob(@Param('jobId') jobId: string): Promise<JobResource> {
    return this.queryBus.execute(new GetImportJobQuery(this.config.defaultTenant, jobId));
  }

  /** `?status=Processing,Failed&limit=50&cursor=…`, newest first. */
  @Get()
  listJobs(@Query('status') status?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<ImportJobPage> {
    const statuses = status
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean) as ImportJobStatus[] | undefined;
    return this.queryBus.execute(
      new ListImportJobsQuery(this.config.defaultTenant, {
        ...(statuses && { status: statuses }),
        ...(limit !== undefined && { limit: Number(limit) }),
        ...(cursor !== undefined && { cursor }),
      }),
    );
  }
}
