import Ajv, { type ErrorObject } from 'ajv';
import { csvEncodings, type CsvOptions, type ImportDefinition, type ImportFormat, type ImportSource, type JsonLineOptions, type JsonObject } from '@import-jobs/domain';
import type { StoredUpload } from '../uploads/stored-upload';
import { InvalidRequestError } from './request-import.errors';

/** The body of `POST /v1/imports` and of a `RequestImport` command on Kafka, as sent. */
export interface RequestImportInput {
  /** Where the rows are: S3 objects and prefixes; or `uploadId`; or, in a multipart form, the file. */
  readonly sources?: readonly ImportSource[];
  /** Told by the upload's file name when left out there; required with `sources`. */
  readonly format?: ImportFormat;
  readonly destinationTopic: string;
  readonly keyField?: string;
  readonly schema?: JsonObject;
  readonly clientToken?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly jobType?: string;
  readonly failurePolicy?: { readonly maxFailedRowRatio: number };
  /** An upload started with `POST /v1/uploads`, in place of `sources`. */
  readonly uploadId?: string;
  readonly exclusiveDestination?: boolean;
  /** CSV only: how the files are written (delimiter, quote, escape, encoding, header, relaxQuotes, skipEmptyLines, trim). */
  readonly csv?: CsvOptions;
  /** JSON only: `passThrough` publishes each valid line as the file writes it. */
  readonly json?: JsonLineOptions;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export const requestImportInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['destinationTopic'],
  properties: {
    sources: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'type'],
        properties: {
          url: { type: 'string', minLength: 1, maxLength: 2048 },
          type: { enum: ['object', 'prefix'] },
          destination: { type: 'string', maxLength: 249 },
        },
      },
    },
    format: { enum: ['CSV', 'JSON'] },
    destinationTopic: { type: 'string', maxLength: 249 },
    // Copied into every work item and every record's key lookup: bounded like a field name.
    keyField: { type: 'string', maxLength: 256 },
    schema: { type: 'object' },
    clientToken: { type: 'string', minLength: 1, maxLength: 128 },
    metadata: { type: 'object', maxProperties: 50, propertyNames: { maxLength: 128 }, additionalProperties: { type: 'string', maxLength: 1024 } },
    jobType: { type: 'string', maxLength: 64 },
    failurePolicy: {
      type: 'object',
      additionalProperties: false,
      required: ['maxFailedRowRatio'],
      properties: { maxFailedRowRatio: { type: 'number', minimum: 0, maximum: 1 } },
    },
    uploadId: { type: 'string', minLength: 1, maxLength: 128 },
    exclusiveDestination: { type: 'boolean' },
    // The shape only: what each option may be is the domain's (validateCsvOptions), one rule for every transport.
    csv: {
      type: 'object',
      additionalProperties: false,
      properties: {
        delimiter: { type: 'string', maxLength: 4 },
        quote: { anyOf: [{ type: 'string', maxLength: 1 }, { type: 'null' }] },
        escape: { type: 'string', maxLength: 1 },
        encoding: { enum: ['auto', ...csvEncodings] },
        header: { anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', maxLength: 1024 }, minItems: 1, maxItems: 10_000 }] },
        relaxQuotes: { type: 'boolean' },
        skipEmptyLines: { type: 'boolean' },
        trim: { type: 'boolean' },
      },
    },
    json: {
      type: 'object',
      additionalProperties: false,
      required: ['passThrough'],
      properties: { passThrough: { type: 'boolean' } },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile(requestImportInputSchema);

/** `/sources/0/url` → `sources[0].url`, the way the rest of the API names fields. */
function fieldOf(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('')
    .replace(/^\./, '');
  const missing = error.keyword === 'required' ? String(error.params.missingProperty) : undefined;
  const extra = error.keyword === 'additionalProperties' ? String(error.params.additionalProperty) : undefined;
  const leaf = missing ?? extra;
  if (!leaf) return path || '(body)';
  return path ? `${path}.${leaf}` : leaf;
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'enum') return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return error.message ?? 'is invalid';
}

/** Where a request's rows come from: exactly one of these. */
export type ImportOrigin =
  | { readonly kind: 'sources'; readonly sources: readonly ImportSource[]; readonly format: ImportFormat }
  /** An upload's format, unless the request says it, is told by the file's name. */
  | { readonly kind: 'upload id'; readonly uploadId: string; readonly format?: ImportFormat }
  | { readonly kind: 'form file'; readonly upload: StoredUpload; readonly format?: ImportFormat };

/** A request read and checked: what the use case takes, whichever transport carried it. */
export interface ImportRequest extends Omit<RequestImportInput, 'sources' | 'uploadId' | 'format'> {
  readonly origin: ImportOrigin;
}

export type ParsedImportRequest = { ok: true; request: ImportRequest } | { ok: false; problems: FieldProblem[] };

/**
 * Checks the shape of a request (`formFile`: the file its multipart form carried) and says where
 * its rows come from; the domain checks what the values mean.
 */
export function parseImportRequest(body: unknown, formFile?: StoredUpload): ParsedImportRequest {
  if (!validate(body)) {
    const problems = (validate.errors ?? []).map((error) => ({ field: fieldOf(error), message: messageOf(error) }));
    return { ok: false, problems: problems.filter((problem, index) => problems.findIndex((p) => p.field === problem.field) === index) };
  }
  const { sources, uploadId, format, ...rest } = body as RequestImportInput;
  const origin = originOf({ sources, uploadId, format }, formFile);
  return 'problem' in origin ? { ok: false, problems: [origin.problem] } : { ok: true, request: { ...rest, origin } };
}

/** The request as the use case takes it, or a 400 (a rejection, over Kafka) naming every field at fault. */
export function parsedImportRequest(body: unknown, formFile?: StoredUpload): ImportRequest {
  const parsed = parseImportRequest(body, formFile);
  if (!parsed.ok) throw new InvalidRequestError(parsed.problems);
  return parsed.request;
}

function originOf({ sources, uploadId, format }: Pick<RequestImportInput, 'sources' | 'uploadId' | 'format'>, formFile: StoredUpload | undefined): ImportOrigin | { problem: FieldProblem } {
  const told = format === undefined ? {} : { format };
  if (formFile !== undefined) {
    if (sources !== undefined) return { problem: { field: 'sources', message: 'name either sources or a file (an upload), not both' } };
    if (uploadId !== undefined) return { problem: { field: 'uploadId', message: 'name either an uploadId or a file, not both' } };
    return { kind: 'form file', upload: formFile, ...told };
  }
  if (sources !== undefined && uploadId !== undefined) return { problem: { field: 'uploadId', message: 'name either sources or an uploadId, not both' } };
  if (uploadId !== undefined) return { kind: 'upload id', uploadId, ...told };
  if (sources === undefined) return { problem: { field: 'sources', message: 'is required (or an uploadId, or a file in a multipart form)' } };
  if (format === undefined) return { problem: { field: 'format', message: 'is required' } };
  return { kind: 'sources', sources, format };
}

const typeOfField: ReadonlyMap<string, string> = new Map(
  Object.entries(requestImportInputSchema.properties).flatMap(([field, schema]) => ('type' in schema ? [[field, schema.type] as const] : [])),
);

/**
 * A multipart form carries every field as text: each is read into the type its twin in the JSON
 * body has (a boolean from `true` or `false`, an object or array from its JSON), so that one schema
 * checks both. Text that does not read as its type stays text, and the schema then refuses it
 * naming the field, with the message it gives that value in a JSON body.
 */
export function formFieldValue(field: string, text: string): unknown {
  switch (typeOfField.get(field)) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'object':
    case 'array':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** The definition of a request whose rows come from `sources`, in `format`, with the service's defaults filled in. */
export function toDefinition(
  request: ImportRequest,
  resolved: { readonly sources: readonly ImportSource[]; readonly format: ImportFormat; readonly metadata: Readonly<Record<string, string>> },
  defaults: { maxFailedRowRatio: number },
): ImportDefinition {
  return {
    jobType: request.jobType ?? 'RECORDS',
    format: resolved.format,
    sources: resolved.sources,
    destinationTopic: request.destinationTopic,
    ...(request.keyField !== undefined && { keyField: request.keyField }),
    ...(request.schema !== undefined && { schema: request.schema }),
    metadata: resolved.metadata,
    failurePolicy: request.failurePolicy ?? { maxFailedRowRatio: defaults.maxFailedRowRatio },
    ...(request.exclusiveDestination === true && { exclusiveDestination: true }),
    ...(request.csv !== undefined && { csv: request.csv }),
    ...(request.json !== undefined && { json: request.json }),
  };
}
