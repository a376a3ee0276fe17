import Ajv, { type ErrorObject } from 'ajv';
import type { ImportDefinition, ImportFormat, ImportSource, JsonObject } from '@import-jobs/domain';

/** The body of `POST /v1/imports` and of a `RequestImport` command on Kafka. */
export interface RequestImportInput {
  readonly sources: readonly ImportSource[];
  readonly format: ImportFormat;
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
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export const requestImportInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sources', 'format', 'destinationTopic'],
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

/** Checks the shape of a request; the domain checks what the values mean. */
export function parseRequestImportInput(body: unknown): { ok: true; input: RequestImportInput } | { ok: false; problems: FieldProblem[] } {
  if (validate(body)) return { ok: true, input: body as RequestImportInput };
  const problems = (validate.errors ?? []).map((error) => ({ field: fieldOf(error), message: messageOf(error) }));
  return { ok: false, problems: problems.filter((problem, index) => problems.findIndex((p) => p.field === problem.field) === index) };
}

export function toDefinition(input: RequestImportInput, defaults: { maxFailedRowRatio: number }): ImportDefinition {
  return {
    jobType: input.jobType ?? 'RECORDS',
    format: input.format,
    sources: input.sources,
    destinationTopic: input.destinationTopic,
    ...(input.keyField !== undefined && { keyField: input.keyField }),
    ...(input.schema !== undefined && { schema: input.schema }),
    metadata: input.metadata ?? {},
    failurePolicy: input.failurePolicy ?? { maxFailedRowRatio: defaults.maxFailedRowRatio },
    ...(input.exclusiveDestination === true && { exclusiveDestination: true }),
  };
}
