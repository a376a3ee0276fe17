import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { authorizeDefinition, validateDefinition, type ImportFormat, type ImportSource } from '@import-jobs/domain';
import { accessRulesFor } from '../access/access-rules';
import { compileRowValidator, InvalidRowSchemaError, validateCsvHeader } from '@import-jobs/formats';
import type { GlobalPosition } from '@import-jobs/event-store';
import type { ServiceConfig } from '../config/service-config';
import type { JobAdmissions } from '../admission/job-admissions';
import { IMPORT_JOB_STREAMS, JOB_ADMISSIONS, SERVICE_CONFIG, UPLOAD_COMMANDS } from '../di-tokens';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import { uuidV5 } from '../import-job/uuid-v5';
import { formatOfFilename, storedUploadOf } from '../uploads/stored-upload';
import type { UploadCommands } from '../uploads/upload-commands';
import { InvalidRequestError } from './request-import.errors';
import { toDefinition, type ImportRequest } from './request-import.input';

/** The transport-neutral command: HTTP and Kafka controllers both parse their input into it. */
export class RequestImportCommand {
  constructor(
    readonly tenantId: string,
    readonly request: ImportRequest,
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
export function jobIdFor(tenantId: string, clientToken: string): string {
  return uuidV5(`client-token/${tenantId}/${clientToken}`);
}

/** Every work item carries the schema, so it must fit well inside one Kafka message. */
const maxSchemaBytes = 64 * 1024;

/** A schema that cannot be compiled is the request's fault: refuse it now, not piece by piece. */
function checkRowSchema(schema: ImportRequest['schema'], format: ImportFormat): void {
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

/** Column names the caller gives must key rows as a header read from the file must. */
function checkCsvColumns(header: boolean | readonly string[] | undefined): void {
  if (!Array.isArray(header)) return;
  const problem = validateCsvHeader(header);
  if (problem !== undefined) throw new InvalidRequestError([{ field: 'csv.header', message: problem }]);
}

@CommandHandler(RequestImportCommand)
export class RequestImportHandler implements ICommandHandler<RequestImportCommand, RequestImportResult> {
  constructor(
    @Inject(IMPORT_JOB_STREAMS) private readonly commands: ImportJobStreams,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(UPLOAD_COMMANDS) private readonly uploads: UploadCommands,
    @Inject(JOB_ADMISSIONS) private readonly admissions: JobAdmissions,
  ) {}

  async execute({ tenantId, request }: RequestImportCommand): Promise<RequestImportResult> {
    const { origin } = request;
    const uploadId = origin.kind === 'upload id' ? origin.uploadId : undefined;
    const rows = await this.rowsOf(tenantId, request);
    checkRowSchema(request.schema, rows.format);
    checkCsvColumns(request.csv?.header);
    // An upload is imported once: without a token of its own, the upload names its job.
    const clientToken = request.clientToken ?? (uploadId === undefined ? randomUUID() : `upload/${uploadId}`);
    const jobId = jobIdFor(tenantId, clientToken);
    const definition = toDefinition(request, rows, { maxFailedRowRatio: this.config.defaultMaxFailedRowRatio });
    // Refused now, before it takes a place under a limit or an upload; the domain checks it again.
    validateDefinition(definition);
    // Only the upload the service stored for this tenant may name the uploads bucket.
    authorizeDefinition(definition, accessRulesFor(this.config, tenantId), origin.kind === 'sources' ? 0 : 1);
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

  /**
   * Where the request's rows are, in which format: its sources as given, or the upload it names
   * (`uploadId`, or the file of its form), whose name tells the format unless the request does and
   * goes into the job's metadata.
   */
  private async rowsOf(tenantId: string, request: ImportRequest): Promise<{ sources: readonly ImportSource[]; format: ImportFormat; metadata: Readonly<Record<string, string>> }> {
    const { origin, metadata = {} } = request;
    if (origin.kind === 'sources') return { sources: origin.sources, format: origin.format, metadata };
    const upload = origin.kind === 'form file' ? origin.upload : await storedUploadOf(this.uploads, tenantId, origin.uploadId);
    const told = origin.format ?? formatOfFilename(upload.filename);
    if (told === undefined) throw new InvalidRequestError([{ field: 'format', message: `is required: the name "${upload.filename}" does not tell it` }]);
    return { sources: [{ url: upload.url, type: 'object' }], format: told, metadata: { ...metadata, filename: upload.filename } };
  }
}
