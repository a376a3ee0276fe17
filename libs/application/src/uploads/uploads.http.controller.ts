import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Req, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ObjectStore } from '@import-jobs/sources';
import { decideUpload, uploadOfTenant, type CreateUpload, type RecordUploadContent, type Upload, type UploadCommand } from '@import-jobs/domain';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Tenant } from '../access/tenant.guard';
import { ApiErrors, schemaRef } from '../openapi/schemas';
import type { ServiceConfig } from '../config/service-config';
import { OBJECT_STORE, SERVICE_CONFIG, UPLOAD_COMMANDS } from '../di-tokens';
import { InvalidRequestError } from '../request-import/request-import.errors';
import { toUploadResource, type UploadCommands, type UploadResource } from './upload-commands';
import { safeObjectName, storeUpload } from './upload-storage';

/** Content types a file's bytes may be PUT with; Fastify leaves their bodies unread, for streaming. */
export const uploadContentTypes = ['application/octet-stream', 'text/csv', 'text/plain', 'application/x-ndjson', 'application/jsonl', 'application/gzip', 'application/x-gzip'];

type Created = Exclude<Upload, { status: 'NotCreated' }>;

/**
 * Upload, then import (Q Connect's StartUpload): `POST /v1/uploads` starts one, the file's bytes
 * are PUT to its `url`, and `POST /v1/imports` with `uploadId` imports it.
 */
@ApiTags('uploads')
@ApiErrors(401, 429, 500)
@Controller('v1/uploads')
export class UploadsHttpController implements OnModuleInit {
  constructor(
    @Inject(UPLOAD_COMMANDS) private readonly uploads: UploadCommands,
    @Inject(OBJECT_STORE) private readonly objectStore: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // The body stays unread until the PUT handler streams it on to the object store.
    fastify.addContentTypeParser(uploadContentTypes, (_request, _payload, done) => done(null));
  }

  /** 201 with the upload's id and where to PUT its bytes. */
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start an upload (Q in Connect StartUpload): its id and where to PUT the bytes' })
  @ApiBody({ required: false, schema: schemaRef('StartUpload') })
  @ApiResponse({ status: 201, description: 'The upload, awaiting its bytes', schema: schemaRef('Upload') })
  @ApiErrors(400)
  async startUpload(@Tenant() tenantId: string, @Body() body: unknown): Promise<UploadResource> {
    const filename = (body as { filename?: unknown } | undefined)?.filename ?? 'upload';
    if (typeof filename !== 'string' || filename.length === 0 || filename.length > 255) {
      throw new InvalidRequestError([{ field: 'filename', message: 'must be a string of 1 to 255 characters' }]);
    }
    const uploadId = randomUUID();
    const expiresAt = new Date(Date.now() + this.config.uploadTtlSeconds * 1000).toISOString();
    return this.apply(uploadId, { type: 'CreateUpload.v1', data: { uploadId, tenantId, filename, expiresAt } });
  }

  /** Streams the body to the uploads bucket; 200 with the upload, now ready to import. */
  @Put(':uploadId/content')
  @ApiOperation({ summary: "Send the upload's bytes, streamed to the object store" })
  @ApiConsumes(...uploadContentTypes)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ description: 'The upload, ready to import', schema: schemaRef('Upload') })
  @ApiErrors(400, 404, 409, 413)
  async putContent(@Tenant() tenantId: string, @Param('uploadId') uploadId: string, @Req() request: FastifyRequest): Promise<UploadResource> {
    const upload = await this.find(tenantId, uploadId);
    // Refused before any byte is stored when the upload cannot take content any more.
    const check = { type: 'RecordUploadContent.v1', data: { uploadId, tenantId, url: '', bytes: 0 }, metadata: { now: new Date().toISOString() } } as const;
    decideUpload(check, upload);
    const { url, bytes } = await storeUpload(request.raw, {
      objectStore: this.objectStore,
      bucket: this.config.uploadsBucket,
      key: `${tenantId}/uploads/${uploadId}/${safeObjectName(upload.filename)}`,
      maxBytes: this.config.maxUploadBytes,
    });
    return this.apply(uploadId, { type: 'RecordUploadContent.v1', data: { uploadId, tenantId, url, bytes } });
  }

  @Get(':uploadId')
  @ApiOperation({ summary: 'An upload and its state' })
  @ApiOkResponse({ schema: schemaRef('Upload') })
  @ApiErrors(404)
  async getUpload(@Tenant() tenantId: string, @Param('uploadId') uploadId: string): Promise<UploadResource> {
    return toUploadResource(await this.find(tenantId, uploadId), new Date());
  }

  private async apply(uploadId: string, command: Omit<CreateUpload, 'metadata'> | Omit<RecordUploadContent, 'metadata'>): Promise<UploadResource> {
    const now = new Date();
    const { state } = await this.uploads.execute(uploadId, { ...command, metadata: { now: now.toISOString() } } as UploadCommand);
    return toUploadResource(state as Created, now);
  }

  private async find(tenantId: string, uploadId: string): Promise<Created> {
    return uploadOfTenant((await this.uploads.load(uploadId)).state, uploadId, tenantId);
  }
}
