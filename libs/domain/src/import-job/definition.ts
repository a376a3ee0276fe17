import { validateCsvOptions, type CsvOptions } from '../csv-dialect/csv-dialect';
import { ValidationError } from '../errors';
import type { JsonObject } from '../json';

/** Pinpoint's `Format`: CSV with a header row, or JSON as one object per line (NDJSON). */
export type ImportFormat = 'CSV' | 'JSON';
export const importFormats: readonly ImportFormat[] = ['CSV', 'JSON'];

/** lakeFS lets one import name several sources; each may send its records to its own topic. */
export interface ImportSource {
  /** `s3://bucket/key` for an object, `s3://bucket/prefix` for everything below a prefix. */
  readonly url: string;
  readonly type: 'object' | 'prefix';
  /** Destination topic for this source's records; the job's `destinationTopic` when absent. */
  readonly destination?: string;
}

export interface FailurePolicy {
  /**
   * The job fails when more than this share of its rows failed (0 fails on the first bad row,
   * 1 never fails because of rows). A failed piece always fails the job, as in Pinpoint.
   */
  readonly maxFailedRowRatio: number;
}

/** What the caller asked for: the job's definition, as Pinpoint's `Definition` echoes it. */
export interface ImportDefinition {
  readonly jobType: string;
  readonly format: ImportFormat;
  readonly sources: readonly ImportSource[];
  readonly destinationTopic: string;
  /** Record field whose value becomes the Kafka message key. */
  readonly keyField?: string;
  /** JSON Schema every row must satisfy. */
  readonly schema?: JsonObject;
  readonly metadata: Readonly<Record<string, string>>;
  readonly failurePolicy: FailurePolicy;
  /** While this job runs, no other job that asks the same may write to its destination topics. */
  readonly exclusiveDestination?: boolean;
  /** CSV only: how the files are written; `defaultCsvOptions` for what is left out. */
  readonly csv?: CsvOptions;
  /** JSON only: how its lines become records. */
  readonly json?: JsonLineOptions;
}

export interface JsonLineOptions {
  /**
   * Each valid line is published as the file writes it (its whitespace, key order and number
   * spelling kept: `1.50` stays `1.50`), not parsed and written again: the fastest import of NDJSON.
   * Lines are still parsed to be checked (an object, the schema, the key field). False by default.
   */
  readonly passThrough: boolean;
}

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const topicName = /^[a-zA-Z0-9._-]{1,249}$/;
const maxMetadataEntries = 50;

/** Parses `s3://bucket/key`; the key may be empty only where a prefix is meant (a whole bucket). */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) return undefined;
  const [, bucket = '', key = ''] = match;
  return bucketName.test(bucket) ? { bucket, key } : undefined;
}

function checkTopic(field: string, topic: string): void {
  if (!topicName.test(topic) || topic === '.' || topic === '..') {
    throw new ValidationError(field, `"${topic}" is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)`);
  }
}

function checkSource(source: ImportSource, index: number): void {
  const field = `sources[${index}]`;
  if (source.type !== 'object' && source.type !== 'prefix') {
    throw new ValidationError(`${field}.type`, `must be "object" or "prefix", not "${String(source.type)}"`);
  }
  const location = parseS3Url(source.url);
  if (!location) throw new ValidationError(`${field}.url`, `"${source.url}" is not an s3://bucket/key URL with a valid bucket name`);
  // A `.` or `..` segment could be resolved by a proxy or an S3-compatible server on the way and
  // reach a key outside the prefix a tenant was granted.
  if (location.key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new ValidationError(`${field}.url`, `a key must not hold "." or ".." segments: "${source.url}"`);
  }
  if (source.type === 'object' && (location.key === '' || location.key.endsWith('/'))) {
    throw new ValidationError(`${field}.url`, `an object source needs a key, not a folder: "${source.url}"`);
  }
  if (source.destination !== undefined) checkTopic(`${field}.destination`, source.destination);
}

/** The invariants of a definition, whoever sent it; the first broken one is reported with its field. */
export function validateDefinition(definition: ImportDefinition): void {
  if (typeof definition.jobType !== 'string' || definition.jobType.trim() === '' || definition.jobType.length > 64) {
    throw new ValidationError('jobType', 'must be a non-empty string of at most 64 characters');
  }
  if (!importFormats.includes(definition.format)) {
    throw new ValidationError('format', `must be one of ${importFormats.join(', ')}, not "${String(definition.format)}"`);
  }
  if (!Array.isArray(definition.sources) || definition.sources.length === 0) {
    throw new ValidationError('sources', 'must name at least one source');
  }
  definition.sources.forEach(checkSource);
  checkTopic('destinationTopic', definition.destinationTopic);
  if (definition.keyField !== undefined && definition.keyField.trim() === '') {
    throw new ValidationError('keyField', 'must not be empty when given');
  }
  if (definition.schema !== undefined && (typeof definition.schema !== 'object' || definition.schema === null || Array.isArray(definition.schema))) {
    throw new ValidationError('schema', 'must be a JSON Schema object');
  }
  const metadata = Object.entries(definition.metadata);
  if (metadata.length > maxMetadataEntries) throw new ValidationError('metadata', `holds at most ${maxMetadataEntries} entries`);
  for (const [key, value] of metadata) {
    if (key === '' || typeof value !== 'string') throw new ValidationError(`metadata.${key}`, 'keys must be non-empty and values strings');
  }
  const ratio = definition.failurePolicy.maxFailedRowRatio;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    throw new ValidationError('failurePolicy.maxFailedRowRatio', 'must be a number from 0 to 1');
  }
  if (definition.csv !== undefined) {
    if (definition.format !== 'CSV') throw new ValidationError('csv', 'applies to CSV only');
    validateCsvOptions(definition.csv);
  }
  if (definition.json !== undefined) {
    if (definition.format !== 'JSON') throw new ValidationError('json', 'applies to JSON only');
    if (typeof definition.json.passThrough !== 'boolean') throw new ValidationError('json.passThrough', 'must be true or false');
  }
}
