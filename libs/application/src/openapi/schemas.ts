import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { requestImportInputSchema } from '../request-import/request-import.input';

/**
 * The API's shapes as OpenAPI 3.1 schemas (JSON Schema 2020-12), shared by every controller's
 * decorators through `schemaRef`. The answers are TypeScript interfaces, which @nestjs/swagger
 * cannot see; the OpenAPI test checks real answers against these schemas, so they cannot drift.
 */
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, type: [schema.type as string, 'null'] as unknown as string });
const string: SchemaObject = { type: 'string' };
const count: SchemaObject = { type: 'integer', minimum: 0 };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
const object = (properties: Record<string, SchemaObject>, optional: readonly string[] = []): SchemaObject => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((name) => !optional.includes(name)),
});

/** The form of a direct upload names the file itself in place of `sources` or an `uploadId`. */
const uploadFormFields = Object.fromEntries(
  Object.entries(requestImportInputSchema.properties).filter(([field]) => field !== 'sources' && field !== 'uploadId'),
) as Record<string, SchemaObject>;

export const jobStatuses = ['Requested', 'Planning', 'Processing', 'Completing', 'Failing', 'Cancelling', 'Completed', 'Failed', 'Cancelled'];

export const openApiSchemas: Record<string, SchemaObject> = {
  ErrorBody: {
    ...object(
      {
        type: { ...string, description: "The kind of error, after the seed APIs' exception names (BadRequest, NotFound, Conflict, …)" },
        code: { ...string, description: 'The precise reason, as a rejection event on the command topic names it' },
        message: string,
        details: { type: 'array', items: object({ field: string, message: string }), description: 'One entry per offending field' },
        requestId: { ...string, description: 'Also the x-request-id header: quote it when reporting a problem' },
        errors: { type: 'array', items: object({ error: string, error_code: string, field: string }, ['field']), description: "Userpilot's list" },
        jobId: { ...string, description: 'The job a conflict is about' },
      },
      ['jobId'],
    ),
    description: 'Every 4xx and 5xx answer',
  },
  ImportSource: object(
    { url: { ...string, description: 's3://bucket/key, or s3://bucket/prefix/' }, type: { type: 'string', enum: ['object', 'prefix'] }, destination: string },
    ['destination'],
  ),
  RowFailure: object({ file: string, line: { type: 'integer', minimum: 1 }, reason: string, raw: string }, ['raw']),
  ImportJob: {
    ...object(
      {
        id: string,
        type: string,
        status: { type: 'string', enum: jobStatuses },
        statuses: object({ pinpoint: string, userpilot: string, qConnect: string, lakeFs: object({ completed: { type: 'boolean' }, failed: { type: 'boolean' } }) }),
        definition: object(
          {
            jobType: string,
            format: { type: 'string', enum: ['CSV', 'JSON'] },
            sources: { type: 'array', items: { $ref: '#/components/schemas/ImportSource' } },
            destinationTopic: string,
            keyField: string,
            schema: { type: 'object', description: 'The JSON Schema every row must satisfy' },
            metadata: { type: 'object', additionalProperties: string },
            failurePolicy: object({ maxFailedRowRatio: { type: 'number', minimum: 0, maximum: 1 } }),
            exclusiveDestination: { type: 'boolean' },
          },
          ['keyField', 'schema', 'exclusiveDestination'],
        ),
        pieces: object({ total: count, completed: count, failed: count, cancelled: count }),
        rows: object({ processed: count, failed: count, imported: count }),
        bytes: object({ total: count, processed: count }),
        failures: { type: 'array', items: { $ref: '#/components/schemas/RowFailure' }, description: 'The first 100 rejected rows' },
        failureReason: nullable(object({ code: string, message: string })),
        failureReport: nullable(object({ location: string, rows: count })),
        failedRecordReport: { ...nullable(string), description: 'A presigned link to the failure report' },
        urlExpiry: nullable(dateTime),
        createdAt: dateTime,
        completedAt: nullable(dateTime),
        lastModifiedAt: dateTime,
        JobStatus: string,
        TotalPieces: count,
        CompletedPieces: count,
        FailedPieces: count,
        TotalProcessed: count,
        TotalFailures: count,
        Failures: { type: 'array', items: string },
        CreationDate: dateTime,
        CompletionDate: nullable(dateTime),
        job_id: string,
        total_rows: string,
        file_size: string,
        filename: nullable(string),
        start_time: nullable(dateTime),
        end_time: nullable(dateTime),
      },
      ['filename'],
    ),
    description: "A job: our names, then Pinpoint's (PascalCase) and Userpilot's (snake_case) for the same facts",
  },
  ImportJobPage: object({ jobs: { type: 'array', items: { $ref: '#/components/schemas/ImportJob' } }, nextCursor: nullable(string) }),
  JobHistory: object({
    events: {
      type: 'array',
      items: object({
        sequence: count,
        eventId: string,
        type: string,
        version: { type: 'integer', minimum: 1 },
        occurredAt: dateTime,
        recordedAt: dateTime,
        position: object({ commit: string, prepare: string }),
        data: { type: 'object' },
      }),
    },
  }),
  ImportRequest: {
    ...(requestImportInputSchema as unknown as SchemaObject),
    description: 'Name `sources`, or the `uploadId` of an upload, not both; `format` may be left to an upload\'s file name',
    required: ['destinationTopic'],
  },
  ImportUploadForm: {
    type: 'object',
    properties: {
      file: { type: 'string', format: 'binary', description: 'CSV or NDJSON, optionally gzip; its name tells the format' },
      ...uploadFormFields,
    },
    required: ['file', 'destinationTopic'],
    description:
      'Every field but `file` is its twin of the JSON body, read into the same type and checked the same way (the same 400 naming the field): ' +
      'a boolean is sent as `true` or `false`, an object as its JSON (the multipart default for an object, `application/json`), the rest as text. ' +
      'The file is the only source: no `sources` or `uploadId` beside it',
  },
  StartUpload: object({ filename: { ...string, description: "The file's name; its extension tells the format when the upload is imported" } }, ['filename']),
  Upload: object({
    uploadId: string,
    status: { type: 'string', enum: ['AWAITING_CONTENT', 'UPLOADED', 'IMPORTED', 'EXPIRED'] },
    filename: string,
    url: { ...string, description: 'Where to PUT the bytes, relative to the API' },
    method: { type: 'string', enum: ['PUT'] },
    urlExpiry: dateTime,
    createdAt: dateTime,
    bytes: nullable(count),
    jobId: nullable(string),
  }),
  HealthCheck: object(
    {
      status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
      info: { type: 'object', additionalProperties: object({ status: string }) },
      error: { type: 'object', additionalProperties: object({ status: string }) },
      details: { type: 'object', additionalProperties: object({ status: string }) },
    },
    ['info', 'error'],
  ),
};

export type OpenApiSchemaName = keyof typeof openApiSchemas;

export function schemaRef(name: OpenApiSchemaName): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

const errorDescriptions: Readonly<Record<number, string>> = {
  400: 'A bad request; `details` names each bad field',
  401: 'No API key, or a wrong one',
  403: 'Not allowed',
  404: 'No such job for this tenant',
  409: 'In conflict with the job as it stands',
  413: 'Too large',
  429: 'Too many requests, or a limit reached; `Retry-After`, when sent, says when to retry',
  500: 'The service failed; the request id names it in the logs',
};

/** The error answers a route may give, each in the one `ErrorBody` shape. */
export function ApiErrors(...statuses: readonly number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: errorDescriptions[status] ?? 'An error', schema: schemaRef('ErrorBody') })),
  );
}
