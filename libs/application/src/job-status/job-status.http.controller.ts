import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ImportJobStatus } from '@import-jobs/domain';
import type { JobResource } from '@import-jobs/read-model';
import { Tenant } from '../access/tenant.guard';
import { GetImportJobQuery, ListImportJobsQuery, type ImportJobPage } from './job-status.queries';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, schemaRef } from '../openapi/schemas';

@ApiTags('imports')
@ApiErrors(401, 429, 500)
@Controller('v1/imports')
export class JobStatusHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':jobId')
  @ApiOperation({ summary: 'A job: its status in every vocabulary, counts, first failures and report' })
  @ApiOkResponse({ schema: schemaRef('ImportJob') })
  @ApiErrors(404)
  getJob(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<JobResource> {
    return this.queryBus.execute(new GetImportJobQuery(tenantId, jobId));
  }

  /** `?status=Processing,Failed&limit=50&cursor=…`, newest first. */
  @Get()
  @ApiOperation({ summary: "The caller's jobs, newest first, a page at a time" })
  @ApiQuery({ name: 'status', required: false, description: 'Only these statuses, comma-separated', example: 'Processing,Failed' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'cursor', required: false, description: "The previous page's nextCursor" })
  @ApiOkResponse({ schema: schemaRef('ImportJobPage') })
  @ApiErrors(400)
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
