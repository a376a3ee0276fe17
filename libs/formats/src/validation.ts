import type { ImportFormat } from '@import-jobs/domain';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/** The job's schema cannot be compiled: the request is wrong (a 400), not any of its rows. */
export class InvalidRowSchemaError extends Error {
  readonly code = 'INVALID_ROW_SCHEMA';

  constructor(readonly reason: string) {
    super(`invalid row schema: ${reason}`);
    this.name = 'InvalidRowSchemaError';
  }
}

/** Why a record breaks the schema, naming the field (`/age: must be integer`), or undefined when it fits. */
export type RowValidator = (record: Record<string, unknown>) => string | undefined;

export interface RowValidatorOptions {
  readonly format: ImportFormat;
}

/**
 * A JSON Schema (draft-07, with ajv-formats' formats such as email or date-time) as a row check.
 * No schema accepts every record.
 *
 * CSV values are all strings, so for CSV the schema's types coerce them, in the record itself
 * ("42" becomes 42 where the schema says integer, "true" a boolean, "" null where null is allowed;
 * "" is not a number). NDJSON records already carry JSON types and are checked as they are.
 *
 * Unknown keywords are refused (a misspelt `requird` would otherwise check nothing), so are
 * `$async` schemas; the first broken rule is reported, which keeps a row's check cheap.
 */
export function compileRowValidator(schema: object | undefined, options: RowValidatorOptions): RowValidator {
  if (schema === undefined) return () => undefined;
  if ('$async' in schema) throw new InvalidRowSchemaError('$async schemas are not supported');
  const ajv = new Ajv({
    coerceTypes: options.format === 'CSV',
    allErrors: false,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
  });
  addFormats(ajv);
  let validate: ReturnType<Ajv['compile']>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InvalidRowSchemaError((error as Error).message);
  }
  return (record) => (validate(record) ? undefined : describeSchemaError(validate.errors?.[0]));
}

function describeSchemaError(error: ErrorObject | undefined): string {
  // ajv always sets `errors` when a record fails; its type does not say so.
  if (!error) return 'does not match the schema';
  const { instancePath, keyword, params, message } = error;
  if (keyword === 'required') return `${instancePath}/${String(params['missingProperty'])}: is required`;
  if (keyword === 'additionalProperties') return `${instancePath}/${String(params['additionalProperty'])}: is not a field of the schema`;
  return `${instancePath || '(record)'}: ${message ?? `breaks "${keyword}"`}`;
}
