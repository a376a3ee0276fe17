import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { JobResource } from '@import-jobs/read-model';
import { Tenant } from '../access/tenant.guard';
import { GetImportJobQuery } from '../job-status/job-status.queries';
import { RequestImportCommand, type RequestImportResult } from './request-import.handler';

@Controller('v1/imports')
export class RequestImportHttpController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  /** 202 for a new job; 200 when the client token names a job already accepted for this request. */
  @Post()
  async requestImport(@Tenant() tenantId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<JobResource> {
    const result: RequestImportResult = await this.commandBus.execute(new RequestImportCommand(tenantId, body));
    void reply.status(result.created ? 202 : 200).header('location', `/v1/imports/${result.jobId}`);
    return this.queryBus.execute(new GetImportJobQuery(tenantId, result.jobId));
  }
}
