import type { ImportFormat } from '@import-jobs/domain';
import Ajv, { MissingRefError, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { RE2JSException } from 're2js';
import { dateTimeFormat } from './date-time-format';
import { linearTimeRegExp } from './linear-time-regexp';
import { measureSchemaCost } from './schema-cost';

export { maxExpandedSchemaSize, maxUniqueItemsCompared } from './schema-cost';

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
 * Levels of objects and arrays a schema document may nest. ajv compiles a schema, and runs the code
 * it generates, by recursion, so a deeper schema could exhaust a worker's stack; 32 levels still
 * describe records nested some 15 deep (each level of a record takes `properties` and its schema).
 */
export const maxSchemaDepth = 32;

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
 *
 * The schema is the client's, so it must not be able to hurt a worker: `pattern` and
 * `patternProperties` run in linear time in the checked text (`linearTimeRegExp`: on RE2, or on V8's
 * RegExp for a pattern it provably cannot backtrack on; a pattern RE2 cannot run, with a lookahead or
 * a backreference, makes the schema invalid), the schema nests at most
 * `maxSchemaDepth` levels, and a `$ref` is resolved only within the schema, never fetched. What a
 * row's check costs is bounded too: the schema, with its `$ref`s followed, holds at most
 * `maxExpandedSchemaSize` subschemas, and `uniqueItems` must not deep-compare more than
 * `maxUniqueItemsCompared` items pairwise, and no recursive `$ref` may apply a schema twice to one
 * value. A record that still makes the check throw fails alone, with the reason.
 */
export function compileRowValidator(schema: object | undefined, options: RowValidatorOptions): RowValidator {
  if (schema === undefined) return () => undefined;
  if ('$async' in schema) throw new InvalidRowSchemaError('$async schemas are not supported');
  if (nestsDeeperThan(schema, maxSchemaDepth)) {
    throw new InvalidRowSchemaError(`the schema nests objects and arrays deeper than ${maxSchemaDepth} levels`);
  }
  const ajv = new Ajv({
    coerceTypes: options.format === 'CSV',
    allErrors: false,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    // `required: ["__proto__"]` must not be met by Object.prototype.
    ownProperties: true,
    code: { regExp: linearTimeRegExp },
    logger: false,
  });
  addFormats(ajv);
  // The same check, cheaper on the usual spelling: date-times are in most rows of most imports.
  ajv.addFormat('date-time', dateTimeFormat);
  // Measured before ajv compiles: ajv inlines a referenced schema without $refs of its own at every
  // place that refers to it, so compiling can cost as much as checking.
  const cost = measureSchemaCost(schema, ajv.opts.uriResolver);
  if (cost.problem !== undefined) throw new InvalidRowSchemaError(cost.problem);
  let validate: ReturnType<Ajv['compile']>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InvalidRowSchemaError(compileFailure(error));
  }
  const [unmeasured] = cost.unresolvedRefs;
  if (unmeasured !== undefined) {
    throw new InvalidRowSchemaError(`$ref "${unmeasured}" does not point into the schema (references to ajv's meta-schemas are not supported)`);
  }
  return (record) => {
    try {
      return validate(record) ? undefined : describeSchemaError(validate.errors?.[0]);
    } catch (error) {
      return `the schema cannot check this record: ${(error as Error).message}`;
    }
  };
}

function compileFailure(error: unknown): string {
  if (error instanceof MissingRefError) {
    return `$ref "${error.missingRef}" is not found in the schema (references are never fetched: define it in the schema's definitions)`;
  }
  const { message } = error as Error;
  return error instanceof RE2JSException ? `a pattern is not supported (lookaheads, lookbehinds and backreferences are not): ${message}` : message;
}

/** Walks by hand, not by recursion, so that a deep schema cannot exhaust the stack before it is refused. */
function nestsDeeperThan(root: object, maxDepth: number): boolean {
  const pending: { readonly value: object; readonly depth: number }[] = [{ value: root, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > maxDepth) return true;
    for (const child of Object.values(next.value)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child as object, depth: next.depth + 1 });
    }
  }
  return false;
}

function describeSchemaError(error: ErrorObject | undefined): string {
  // ajv always sets `errors` when a record fails; its type does not say so.
  if (!error) return 'does not match the schema';
  const { instancePath, keyword, params, message } = error;
  if (keyword === 'required') return `${instancePath}/${String(params['missingProperty'])}: is required`;
  if (keyword === 'additionalProperties') return `${instancePath}/${String(params['additionalProperty'])}: is not a field of the schema`;
  return `${instancePath || '(record)'}: ${message ?? `breaks "${keyword}"`}`;
}
