import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { authorizeDefinition, uploadOfTenant, UploadUnusableError, validateDefinition } from '@import-jobs/domain';
import { accessRulesFor } from '../access/access-rules';
import { compileRowValidator, InvalidRowSchemaError } from '@import-jobs/formats';
import type { GlobalPosition } from '@import-jobs/event-store';
import type { ServiceConfig } from '../config/service-config';
import type { JobAdmissions } from '../admission/job-admissions';
import { IMPORT_JOB_COMMANDS, JOB_ADMISSIONS, SERVICE_CONFIG, UPLOAD_COMMANDS } from '../di-tokens';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import { uuidV5 } from '../import-job/uuid-v5';
import type { UploadCommands } from '../uploads/upload-commands';
import { InvalidRequestError } from './request-import.errors';
import { parseRequestImportInput, toDefinition, type RequestImportInput } from './request-import.input';
import { formatOfFilename, type StoredUpload } from './upload';

/** The transport-neutral envelope: HTTP and Kafka controllers both send this to the command bus. */
export class RequestImportCommand {
  constructor(
    readonly tenantId: string,
    readonly body: unknown,
    /** The multipart upload that came with the request, in place of `sources`. */
    readonly upload?: StoredUpload,
  ) {}
}

export interface RequestImportResult {
  readonly jobId: string;
  /** False when the client token named a job that already existed with the same request. */
  readonly created: boolean;
  readonly position: GlobalPosition | undefined;
}

/**
 * The job id is derived from tenant and client token, so a retried request (same token) lands on
 * the same stream and the domain recognises it, without a lookup table that could disagree.
 */
function uploadIdOf(body: unknown): string | undefined {
  const uploadId = typeof body === 'object' && body !== null ? (body as { uploadId?: unknown }).uploadId : undefined;
  return typeof uploadId === 'string' ? uploadId : undefined;
}

export function jobIdFor(tenantId: string, clientToken: string): string {
  return uuidV5(`client-token/${tenantId}/${clientToken}`);
}

/** Every work item carries the schema, so it must fit well inside one Kafka message. */
const maxSchemaBytes = 64 * 1024;

/** A schema that cannot be compiled is the request's fault: refuse it now, not piece by piece. */
function checkRowSchema({ schema, format }: RequestImportInput): void {
  if (schema === undefined) return;
  if (Buffer.byteLength(JSON.stringify(schema)) > maxSchemaBytes) {
    throw new InvalidRequestError([{ field: 'schema', message: `must be at most ${maxSchemaBytes} bytes of JSON` }]);
  }
  try {
    compileRowValidator(schema, { format });
  } catch (error) {
    if (error instanceof InvalidRowSchemaError) throw new InvalidRequestError([{ field: 'schema', message: error.message }]);
    throw error;
  }
}

@CommandHandler(RequestImportCommand)
export class RequestImportHandler implements ICommandHandler<RequestImportCommand, RequestImportResult> {
  constructor(
    @Inject(IMPORT_JOB_COMMANDS) private readonly commands: ImportJobCommands,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(UPLOAD_COMMANDS) private readonly uploads: UploadCommands,
    @Inject(JOB_ADMISSIONS) private readonly admissions: JobAdmissions,
  ) {}

  async execute({ tenantId, body, upload }: RequestImportCommand): Promise<RequestImportResult> {
    const uploadId = uploadIdOf(body);
    const stored = upload ?? (uploadId === undefined ? undefined : await this.uploadOf(tenantId, uploadId));
    const parsed = parseRequestImportInput(stored === undefined ? body : withUploadAsSource(stored, body));
    if (!parsed.ok) throw new InvalidRequestError(parsed.problems);
    checkRowSchema(parsed.input);
    // An upload is imported once: without a token of its own, the upload names its job.
    const clientToken = parsed.input.clientToken ?? (uploadId === undefined ? randomUUID() : `upload/${uploadId}`);
    const jobId = jobIdFor(tenantId, clientToken);
    const definition = toDefinition(parsed.input, { maxFailedRowRatio: this.config.defaultMaxFailedRowRatio });
    // Refused now, before it takes a place under a limit or an upload; the domain checks it again.
    validateDefinition(definition);
    // Only the upload the service stored for this tenant may name the uploads bucket.
    authorizeDefinition(definition, accessRulesFor(this.config, tenantId), stored === undefined ? 0 : 1);
    const now = new Date().toISOString();
    const { job } = await this.commands.load(jobId);
    // A repeated request (same token) is answered by the domain; only a new job must fit the limits.
    const admission = job.status === 'NotStarted' ? await this.admissions.admit(jobId, tenantId, definition) : undefined;
    try {
      if (uploadId !== undefined) {
        await this.uploads.execute(uploadId, { type: 'ImportUpload.v1', data: { uploadId, tenantId, jobId }, metadata: { now } });
      }
      const outcome = await this.commands.execute(
        { type: 'RequestImport.v1', data: { jobId, tenantId, clientToken, definition }, metadata: { now } },
        { onBehalfOf: tenantId },
      );
      return { jobId, created: outcome.appended.length > 0, position: outcome.position };
    } catch (error) {
      await admission?.release();
      throw error;
    }
  }

  /** An upload started with `POST /v1/uploads`, once its bytes are in: only its own tenant's. */
  private async uploadOf(tenantId: string, uploadId: string): Promise<StoredUpload> {
    const upload = uploadOfTenant((await this.uploads.load(uploadId)).state, uploadId, tenantId);
    // Whether it is ready, expired or taken is decided when it is imported; its object is known only once received.
    if (upload.content === undefined) {
      throw new UploadUnusableError('UPLOAD_NOT_READY', `upload ${uploadId} has no content yet: PUT the file to its url first`);
    }
    return { url: upload.content.url, filename: upload.filename };
  }
}

/** An upload in place of `sources`: its object, its format told by its name unless given. */
function withUploadAsSource(upload: StoredUpload, body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  if ('sources' in body) throw new InvalidRequestError([{ field: 'sources', message: 'name either sources or a file (an upload), not both' }]);
  const { metadata, format } = body as { metadata?: unknown; format?: unknown };
  const namedFormat = format ?? formatOfFilename(upload.filename);
  return {
    ...body,
    sources: [{ url: upload.url, type: 'object' }],
    ...(namedFormat !== undefined && { format: namedFormat }),
    metadata: { ...(typeof metadata === 'object' && metadata), filename: upload.filename },
  };
}
