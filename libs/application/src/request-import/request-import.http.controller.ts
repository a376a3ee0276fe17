import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { ObjectStore } from '@import-jobs/sources';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobResource } from '@import-jobs/read-model';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Tenant } from '../access/tenant.guard';
import { ApiErrors, schemaRef } from '../openapi/schemas';
import type { ServiceConfig } from '../config/service-config';
import { OBJECT_STORE, SERVICE_CONFIG } from '../di-tokens';
import { GetImportJobQuery } from '../job-status/job-status.queries';
import { RequestImportCommand, type RequestImportResult } from './request-import.handler';
import { isRefusal } from '../shared/refusal';
import { parsedImportRequest, type ImportRequest } from './request-import.input';
import { requestFromUpload } from './upload';

@ApiTags('imports')
@ApiErrors(401, 429, 500)
@Controller('v1/imports')
export class RequestImportHttpController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    @Inject(OBJECT_STORE) private readonly objectStore: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /**
   * A JSON body naming S3 sources, or a multipart form with the file itself (Userpilot's upload).
   * 202 for a new job; 200 when the client token names a job already accepted for this request.
   */
  @Post()
  @ApiOperation({ summary: 'Start an import: S3 sources or an upload as JSON, or the file itself as a multipart form' })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ schema: { oneOf: [schemaRef('ImportRequest'), schemaRef('ImportUploadForm')] }, description: 'JSON, or the multipart form of a direct upload' })
  @ApiResponse({ status: 202, description: 'A new job', schema: schemaRef('ImportJob') })
  @ApiResponse({ status: 200, description: 'The job this client token already started with the same request', schema: schemaRef('ImportJob') })
  @ApiErrors(400, 403, 404, 409, 413)
  async requestImport(
    @Tenant() tenantId: string,
    @Body() json: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResource> {
    const result = request.isMultipart() ? await this.importUploaded(tenantId, request) : await this.requestImportOf(tenantId, parsedImportRequest(json));
    void reply.status(result.created ? 202 : 200).header('location', `/v1/imports/${result.jobId}`);
    return this.queryBus.execute(new GetImportJobQuery(tenantId, result.jobId));
  }

  private requestImportOf(tenantId: string, request: ImportRequest): Promise<RequestImportResult> {
    return this.commandBus.execute(new RequestImportCommand(tenantId, request));
  }

  /** A refused request keeps nothing of its file: no job will ever read it. */
  private async importUploaded(tenantId: string, request: FastifyRequest): Promise<RequestImportResult> {
    const target = { objectStore: this.objectStore, bucket: this.config.uploadsBucket, tenantId, maxBytes: this.config.maxUploadBytes };
    const { body, upload, discard } = await requestFromUpload(request, target);
    try {
      return await this.requestImportOf(tenantId, parsedImportRequest(body, upload));
    } catch (error) {
      if (isRefusal(error)) await discard();
      throw error;
    }
  }
}
