import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ImportJobStatus } from '@import-jobs/domain';
import type { JobResource } from '@import-jobs/read-model';
import { Tenant } from '../access/tenant.guard';
import { GetImportJobQuery, ListImportJobsQuery, type ImportJobPage } from './job-status.queries';

@Controller('v1/imports')
export class JobStatusHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':jobId')
  getJob(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<JobResource> {
    return this.queryBus.execute(new GetImportJobQuery(tenantId, jobId));
  }

  /** `?status=Processing,Failed&limit=50&cursor=…`, newest first. */
  @Get()
  listJobs(@Tenant() tenantId: string, @Query('status') status?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<ImportJobPage> {
    const statuses = status
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean) as ImportJobStatus[] | undefined;
    return this.queryBus.execute(
      new ListImportJobsQuery(tenantId, {
        ...(statuses && { status: statuses }),
        ...(limit !== undefined && { limit: Number(limit) }),
        ...(cursor !== undefined && { cursor }),
      }),
    );
  }
}
