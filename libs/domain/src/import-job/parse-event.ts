import { csvEncodings, validateCsvOptions, type CsvDialect, type CsvOptions } from '../csv-dialect/csv-dialect';
import { ValidationError } from '../errors';
import type { JsonObject } from '../json';
import { count, everyField, flag, list, oneOf, optional, record, text, timestamp, UnreadableField, type Fields } from '../stored-fields';
import { importFormats, type ImportDefinition, type ImportSource, type JsonLineOptions } from './definition';
import {
  jobFailureCodes,
  pieceFailureCodes,
  type FailureReport,
  type ImportJobEvent,
  type JobFailureReason,
  type PieceFailureReason,
  type ObjectOrigin,
  type PieceSpec,
  type RowFailure,
  type StoredImportJobEvent,
} from './events';

/**
 * What a stored event is to the job: one of its events, read and brought to the current version
 * (`events`, what `evolve` folds: an older version may stand for several current events), or an
 * event of the job's kind that cannot be read, or an event of another kind sharing the store.
 */
export type ParsedImportJobEvent =
  | {
      readonly kind: 'event';
      /** The event as it was stored, checked field by field: what the history and the job-events topic show. */
      readonly stored: StoredImportJobEvent;
      readonly events: readonly ImportJobEvent[];
    }
  | { readonly kind: 'unreadable'; readonly type: string; readonly problem: string }
  | { readonly kind: 'foreign' };

/**
 * The one reader of stored job events, for the side that decides and for every projection, so that
 * both fold a stream into the same job. A stored event is input like any other: every field is
 * checked for the shape its version promises, and the event is rebuilt from those fields alone.
 * The checks are of shape, not of the rules `decide` applies to a command: those may tighten over
 * time, and a stream recorded under older rules must stay readable. Both sides fold a stream
 * without an event that cannot be read, and the side that decides refuses to decide on its stream
 * until it is fixed (see `UnreadableStreamError` in the application).
 */
export function parseImportJobEvent(type: string, data: unknown): ParsedImportJobEvent {
  // Own keys only: a stored type such as "constructor" must not find Object's methods.
  const read = Object.hasOwn(readers, type) ? readers[type] : undefined;
  if (read === undefined) {
    // A name of ours with a version we do not know was written by a newer release: it is the job's,
    // and folding the stream without it would be folding a different job.
    return knownNames.has(nameOf(type)) ? { kind: 'unreadable', type, problem: `version ${type} is not one this release reads` } : { kind: 'foreign' };
  }
  try {
    const stored = read(record(data, 'data'));
    return { kind: 'event', stored, events: upcast(stored) };
  } catch (error) {
    if (error instanceof UnreadableField) return { kind: 'unreadable', type, problem: error.message };
    throw error;
  }
}

/**
 * `parseImportJobEvent` for an event read from a stream: a job event recorded in another job's
 * stream is unreadable there, since the stream's revisions, which guard every fold, are not its job's.
 */
export function parseJobStreamEvent(stored: { readonly streamId: string; readonly type: string; readonly data: unknown }): ParsedImportJobEvent {
  const parsed = parseImportJobEvent(stored.type, stored.data);
  if (parsed.kind !== 'event' || stored.streamId === importJobStreamId(parsed.stored.data.jobId)) return parsed;
  return { kind: 'unreadable', type: stored.type, problem: `job ${parsed.stored.data.jobId} recorded in stream ${stored.streamId}` };
}

/** One stream per job; the prefix lets a reader of the whole store tell job streams apart. */
export function importJobStreamId(jobId: string): string {
  return `import-job-${jobId}`;
}

// ── Upcasting ────────────────────────────────────────────────────────────────────────────────
// Each older version becomes what the current release records for the same fact; `evolve` then
// knows only the current events.

function upcast(stored: StoredImportJobEvent): readonly ImportJobEvent[] {
  if (stored.type !== 'ImportPlanned.v1') return [stored];
  // The whole plan in one event is its only chunk followed by its totals.
  const { jobId, pieces, files, totalBytes, occurredAt } = stored.data;
  return [
    { type: 'PiecesPlanned.v1', data: { jobId, chunk: 0, pieces, occurredAt } },
    { type: 'ImportPlanned.v2', data: { jobId, pieces: pieces.length, files, totalBytes, occurredAt } },
  ];
}

// ── Readers, one for each stored version ─────────────────────────────────────────────────────

type DataOf<Type extends StoredImportJobEvent['type']> = Extract<StoredImportJobEvent, { type: Type }>['data'];

const readers: Readonly<Record<string, (data: Fields) => StoredImportJobEvent>> = {
  'ImportRequested.v1': (data) => ({
    type: 'ImportRequested.v1',
    data: everyField<DataOf<'ImportRequested.v1'>>({
      jobId: text(data.jobId, 'jobId'),
      tenantId: text(data.tenantId, 'tenantId'),
      clientToken: text(data.clientToken, 'clientToken'),
      definition: definitionOf(data.definition),
      occurredAt: timestamp(data.occurredAt, 'occurredAt'),
    }),
  }),
  'ImportPlanningStarted.v1': (data) => ({ type: 'ImportPlanningStarted.v1', data: everyField<DataOf<'ImportPlanningStarted.v1'>>(jobFields(data)) }),
  'ImportPlanned.v1': (data) => ({
    type: 'ImportPlanned.v1',
    data: everyField<DataOf<'ImportPlanned.v1'>>({
      ...jobFields(data),
      pieces: list(data.pieces, 'pieces', pieceOf),
      files: count(data.files, 'files'),
      totalBytes: count(data.totalBytes, 'totalBytes'),
    }),
  }),
  'PiecesPlanned.v1': (data) => ({
    type: 'PiecesPlanned.v1',
    data: everyField<DataOf<'PiecesPlanned.v1'>>({ ...jobFields(data), chunk: count(data.chunk, 'chunk'), pieces: list(data.pieces, 'pieces', pieceOf) }),
  }),
  'ImportPlanned.v2': (data) => ({
    type: 'ImportPlanned.v2',
    data: everyField<DataOf<'ImportPlanned.v2'>>({
      ...jobFields(data),
      pieces: count(data.pieces, 'pieces'),
      files: count(data.files, 'files'),
      totalBytes: count(data.totalBytes, 'totalBytes'),
    }),
  }),
  'PieceCompleted.v1': (data) => {
    const rowsProcessed = count(data.rowsProcessed, 'rowsProcessed');
    const rowsFailed = count(data.rowsFailed, 'rowsFailed');
    if (rowsFailed > rowsProcessed) throw new UnreadableField('rowsFailed', `${rowsFailed} is more than the ${rowsProcessed} rows processed`);
    return {
      type: 'PieceCompleted.v1',
      data: everyField<DataOf<'PieceCompleted.v1'>>({
        ...jobFields(data),
        pieceId: text(data.pieceId, 'pieceId'),
        rowsProcessed,
        rowsFailed,
        bytesProcessed: count(data.bytesProcessed, 'bytesProcessed'),
        firstFailures: list(data.firstFailures, 'firstFailures', rowFailureOf),
        failureListLocation: optional(data.failureListLocation, 'failureListLocation', text),
      }),
    };
  },
  'PieceFailed.v1': (data) => ({
    type: 'PieceFailed.v1',
    data: everyField<DataOf<'PieceFailed.v1'>>({ ...jobFields(data), pieceId: text(data.pieceId, 'pieceId'), reason: pieceFailureReasonOf(data.reason, 'reason') }),
  }),
  'PieceCancelled.v1': (data) => ({ type: 'PieceCancelled.v1', data: everyField<DataOf<'PieceCancelled.v1'>>({ ...jobFields(data), pieceId: text(data.pieceId, 'pieceId') }) }),
  'ImportCompleting.v1': (data) => ({ type: 'ImportCompleting.v1', data: everyField<DataOf<'ImportCompleting.v1'>>(jobFields(data)) }),
  'ImportFailing.v1': (data) => ({
    type: 'ImportFailing.v1',
    data: everyField<DataOf<'ImportFailing.v1'>>({ ...jobFields(data), reason: jobFailureReasonOf(data.reason, 'reason') }),
  }),
  'ImportCancelling.v1': (data) => ({
    type: 'ImportCancelling.v1',
    data: everyField<DataOf<'ImportCancelling.v1'>>({ ...jobFields(data), reason: optional(data.reason, 'reason', text) }),
  }),
  'ImportCompleted.v1': (data) => ({
    type: 'ImportCompleted.v1',
    data: everyField<DataOf<'ImportCompleted.v1'>>({ ...jobFields(data), failureReport: optional(data.failureReport, 'failureReport', failureReportOf) }),
  }),
  'JobFailed.v1': (data) => ({
    type: 'JobFailed.v1',
    data: everyField<DataOf<'JobFailed.v1'>>({
      ...jobFields(data),
      reason: jobFailureReasonOf(data.reason, 'reason'),
      failureReport: optional(data.failureReport, 'failureReport', failureReportOf),
    }),
  }),
  'ImportCancelled.v1': (data) => ({ type: 'ImportCancelled.v1', data: everyField<DataOf<'ImportCancelled.v1'>>(jobFields(data)) }),
} satisfies { readonly [Type in StoredImportJobEvent['type']]: (data: Fields) => Extract<StoredImportJobEvent, { type: Type }> };

/** Every type a job's stream may hold that this release reads. */
export const importJobEventTypes = Object.keys(readers) as readonly StoredImportJobEvent['type'][];

const knownNames = new Set(importJobEventTypes.map(nameOf));

function nameOf(type: string): string {
  const separator = type.lastIndexOf('.v');
  return separator < 0 ? type : type.slice(0, separator);
}

/** The fields every job event has. */
function jobFields(data: Fields): { readonly jobId: string; readonly occurredAt: string } {
  return { jobId: text(data.jobId, 'jobId'), occurredAt: timestamp(data.occurredAt, 'occurredAt') };
}

function definitionOf(value: unknown): ImportDefinition {
  const definition = record(value, 'definition');
  const metadata = record(definition.metadata, 'definition.metadata');
  const failurePolicy = record(definition.failurePolicy, 'definition.failurePolicy');
  const maxFailedRowRatio = failurePolicy.maxFailedRowRatio;
  if (typeof maxFailedRowRatio !== 'number' || !(maxFailedRowRatio >= 0 && maxFailedRowRatio <= 1)) {
    throw new UnreadableField('definition.failurePolicy.maxFailedRowRatio', 'is not a number from 0 to 1');
  }
  return everyField<ImportDefinition>({
    jobType: text(definition.jobType, 'definition.jobType'),
    format: oneOf(definition.format, 'definition.format', importFormats),
    sources: list(definition.sources, 'definition.sources', sourceOf),
    destinationTopic: text(definition.destinationTopic, 'definition.destinationTopic'),
    keyField: optional(definition.keyField, 'definition.keyField', text),
    schema: optional(definition.schema, 'definition.schema', (field, path) => record(field, path) as JsonObject),
    // The path leaves the key out: an error names where the problem is, never what a tenant wrote.
    metadata: Object.fromEntries(Object.entries(metadata).map(([key, entry]) => [key, text(entry, 'definition.metadata values')])),
    failurePolicy: everyField<ImportDefinition['failurePolicy']>({ maxFailedRowRatio }),
    exclusiveDestination: optional(definition.exclusiveDestination, 'definition.exclusiveDestination', flag),
    csv: optional(definition.csv, 'definition.csv', csvOptionsOf),
    json: optional(definition.json, 'definition.json', (options, path) => everyField<JsonLineOptions>({ passThrough: flag(record(options, path).passThrough, `${path}.passThrough`) })),
  });
}

function csvDialectOf(value: unknown, path: string): CsvDialect {
  const dialect = record(value, path);
  const settled = everyField<CsvDialect>({
    delimiter: text(dialect.delimiter, `${path}.delimiter`),
    quote: dialect.quote === null ? null : text(dialect.quote, `${path}.quote`),
    escape: dialect.escape === null ? null : text(dialect.escape, `${path}.escape`),
    encoding: oneOf(dialect.encoding, `${path}.encoding`, csvEncodings),
    relaxQuotes: flag(dialect.relaxQuotes, `${path}.relaxQuotes`),
    skipEmptyLines: flag(dialect.skipEmptyLines, `${path}.skipEmptyLines`),
    trim: flag(dialect.trim, `${path}.trim`),
  });
  const { escape, ...options } = settled;
  csvOptionsOf({ ...options, ...(escape !== null && { escape }) }, path);
  return settled;
}

/** The options as the request checked them; stored, they are input like any other field. */
function csvOptionsOf(value: unknown, path: string): CsvOptions {
  const options = record(value, path) as CsvOptions;
  try {
    validateCsvOptions(options, path);
  } catch (error) {
    if (error instanceof ValidationError) throw new UnreadableField(path, `holds options no request could (${error.message})`);
    throw error;
  }
  return options;
}

function sourceOf(value: unknown, path: string): ImportSource {
  const source = record(value, path);
  return everyField<ImportSource>({
    url: text(source.url, `${path}.url`),
    type: oneOf(source.type, `${path}.type`, ['object', 'prefix'] as const),
    destination: optional(source.destination, `${path}.destination`, text),
  });
}

function pieceOf(value: unknown, path: string): PieceSpec {
  const piece = record(value, path);
  const object = record(piece.object, `${path}.object`);
  const range = record(piece.range, `${path}.range`);
  const start = count(range.start, `${path}.range.start`);
  const end = count(range.end, `${path}.range.end`);
  if (end < start) throw new UnreadableField(`${path}.range`, `ends at ${end}, before its start at ${start}`);
  return everyField<PieceSpec>({
    pieceId: text(piece.pieceId, `${path}.pieceId`),
    object: { ...originOf(object, `${path}.object`), size: count(object.size, `${path}.object.size`) },
    range: everyField<PieceSpec['range']>({ start, end }),
    compression: oneOf(piece.compression, `${path}.compression`, ['none', 'gzip'] as const),
    firstLine: count(piece.firstLine, `${path}.firstLine`),
    csvHeader: optional(piece.csvHeader, `${path}.csvHeader`, (header, at) => list(header, at, text)),
    csv: optional(piece.csv, `${path}.csv`, csvDialectOf),
    destinationTopic: text(piece.destinationTopic, `${path}.destinationTopic`),
    origin: optional(piece.origin, `${path}.origin`, originOf),
  });
}

/** An object version: a piece's origin, and its object's all but the size. */
function originOf(value: unknown, path: string): ObjectOrigin {
  const origin = record(value, path);
  return everyField<ObjectOrigin>({
    bucket: text(origin.bucket, `${path}.bucket`),
    key: text(origin.key, `${path}.key`),
    etag: text(origin.etag, `${path}.etag`),
    versionId: optional(origin.versionId, `${path}.versionId`, text),
  });
}

function rowFailureOf(value: unknown, path: string): RowFailure {
  const failure = record(value, path);
  return everyField<RowFailure>({
    file: text(failure.file, `${path}.file`),
    line: count(failure.line, `${path}.line`),
    reason: text(failure.reason, `${path}.reason`),
    raw: optional(failure.raw, `${path}.raw`, text),
  });
}

function jobFailureReasonOf(value: unknown, path: string): JobFailureReason {
  const reason = record(value, path);
  return everyField<JobFailureReason>({ code: oneOf(reason.code, `${path}.code`, jobFailureCodes), message: text(reason.message, `${path}.message`) });
}

function pieceFailureReasonOf(value: unknown, path: string): PieceFailureReason {
  const reason = record(value, path);
  return everyField<PieceFailureReason>({ code: oneOf(reason.code, `${path}.code`, pieceFailureCodes), message: text(reason.message, `${path}.message`) });
}

function failureReportOf(value: unknown, path: string): FailureReport {
  const report = record(value, path);
  return everyField<FailureReport>({ location: text(report.location, `${path}.location`), rows: count(report.rows, `${path}.rows`) });
}
