import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ValidationError, type ImportJobStatus } from '@import-jobs/domain';
import { maxPageSize, type JobResource, type ListJobsOptions } from '@import-jobs/read-model';
import { Tenant } from '../access/tenant.guard';
import { GetImportJobQuery, ListImportJobsQuery, type ImportJobPage } from './job-status.queries';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, jobStatuses, schemaRef } from '../openapi/schemas';

/** A query string as Fastify parses it: a parameter given more than once is an array. */
type QueryString = Readonly<Record<string, string | readonly string[] | undefined>>;

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
  @ApiQuery({
    name: 'status',
    required: false,
    description: 'Only these statuses: comma-separated, or the parameter repeated',
    style: 'form',
    explode: false,
    schema: { type: 'array', items: { type: 'string', enum: jobStatuses } },
    example: ['Processing', 'Failed'],
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: maxPageSize } })
  @ApiQuery({ name: 'cursor', required: false, description: "The previous page's nextCursor", schema: { type: 'string' } })
  @ApiOkResponse({ schema: schemaRef('ImportJobPage') })
  @ApiErrors(400)
  listJobs(@Tenant() tenantId: string, @Query() query: QueryString): Promise<ImportJobPage> {
    return this.queryBus.execute(new ListImportJobsQuery(tenantId, listOptionsOf(query)));
  }
}

/**
 * The listing's options as the query string spells them. Only their form is checked here: which
 * statuses exist, the limit's range and what a cursor holds are the read model's to judge, and it
 * refuses them as a ValidationError too.
 */
function listOptionsOf({ status, limit, cursor }: QueryString): ListJobsOptions {
  const statuses = [status ?? []]
    .flat()
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean) as ImportJobStatus[];
  const limitText = onlyValueOf('limit', limit);
  if (limitText !== undefined && !/^\d+$/.test(limitText)) {
    throw new ValidationError('limit', `must be a whole number from 1 to ${maxPageSize}, not ${JSON.stringify(limitText.slice(0, 40))}`);
  }
  const cursorText = onlyValueOf('cursor', cursor);
  return {
    ...(status !== undefined && { status: statuses }),
    ...(limitText !== undefined && { limit: Number(limitText) }),
    ...(cursorText !== undefined && { cursor: cursorText }),
  };
}

function onlyValueOf(field: string, value: string | readonly string[] | undefined): string | undefined {
  if (typeof value === 'object') throw new ValidationError(field, `must be given once, not ${value.length} times`);
  return value;
}
