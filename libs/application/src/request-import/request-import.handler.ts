import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { parseS3Url } from '@import-jobs/domain';
import { compileRowValidator, InvalidRowSchemaError } from '@import-jobs/formats';
import type { GlobalPosition } from '@import-jobs/event-store';
import type { ServiceConfig } from '../config/service-config';
import { IMPORT_JOB_COMMANDS, SERVICE_CONFIG } from '../di-tokens';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import { uuidV5 } from '../import-job/uuid-v5';
import { BucketNotAllowedError, InvalidRequestError } from './request-import.errors';
import { parseRequestImportInput, toDefinition, type RequestImportInput } from './request-import.input';

/** The transport-neutral envelope: HTTP and Kafka controllers both send this to the command bus. */
export class RequestImportCommand {
  constructor(
    readonly tenantId: string,
    readonly body: unknown,
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
  ) {}

  async execute({ tenantId, body }: RequestImportCommand): Promise<RequestImportResult> {
    const parsed = parseRequestImportInput(body);
    if (!parsed.ok) throw new InvalidRequestError(parsed.problems);
    this.checkBucketsAllowed(parsed.input);
    checkRowSchema(parsed.input);
    const clientToken = parsed.input.clientToken ?? randomUUID();
    const jobId = jobIdFor(tenantId, clientToken);
    const definition = toDefinition(parsed.input, { maxFailedRowRatio: this.config.defaultMaxFailedRowRatio });
    const outcome = await this.commands.execute({
      type: 'RequestImport.v1',
      data: { jobId, tenantId, clientToken, definition },
      metadata: { now: new Date().toISOString() },
    });
    return { jobId, created: outcome.appended.length > 0, position: outcome.position };
  }

  private checkBucketsAllowed(input: RequestImportInput): void {
    const allowed = this.config.allowedBuckets;
    if (allowed.length === 0) return;
    const readable = [...allowed, this.config.uploadsBucket];
    input.sources.forEach((source, index) => {
      const bucket = parseS3Url(source.url)?.bucket;
      if (bucket !== undefined && !readable.includes(bucket)) throw new BucketNotAllowedError(`sources[${index}].url`, bucket);
    });
  }
}
