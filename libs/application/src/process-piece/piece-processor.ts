import type { RetryPolicy } from '@import-jobs/retry';
import { assertNever, maxFailuresKept, type PieceFailureReason, type PieceOutcome, type S3Location } from '@import-jobs/domain';
import {
  CorruptGzipError,
  CsvHeaderError,
  DecompressedSizeLimitError,
  gunzipChunks,
  InvalidRowSchemaError,
  keyOf,
  readCsvRowBatches,
  readNdjsonRowBatches,
  truncateText,
  type RowRecord,
  type RowResult,
  type RowValidator,
} from '@import-jobs/formats';
import type { OutgoingMessage, Transaction } from '@import-jobs/messaging';
import type { PieceWorkItem } from '../messages';
import { ObjectStoreError, objectUrl, type ObjectStore } from '@import-jobs/sources';
import type { PieceFigures } from '../job-progress/piece-progress';
import { DestinationBatch, recordBytesBound } from './destination-batch';
import { PieceFailureList } from './piece-failure-list';
import type { RowValidators } from './row-validators';

export interface PieceLimits {
  /**
   * The largest record a destination topic takes: Kafka's `max.message.bytes` (1 MiB by default)
   * less a margin for the batch around it. A larger record is a row failure, checked before it is
   * sent, because the broker would refuse it and with it the piece's whole transaction.
   */
  readonly maxMessageBytes: number;
  /** A gzip piece that inflates beyond this is unreadable: a decompression bomb, or more than one transaction should carry. */
  readonly maxDecompressedBytes: number;
  /**
   * UTF-16 units of a failed row, and of its reason, kept in its RowFailure; a longer text is cut
   * there and ends with `truncationMarker`.
   */
  readonly maxFailureTextChars: number;
  /**
   * Bytes of JSON the first failures take in the piece's result, which is one Kafka message like the
   * records: with `maxFailureTextChars` of 1,000, a failure takes up to some 19 KB (every unit of its
   * texts escaped as `\u0000`), so 100 of them would not fit in a 1 MB message.
   */
  readonly maxFirstFailuresBytes: number;
  /** How often a long piece tells the consumer group that the worker is alive. */
  readonly heartbeatIntervalMs: number;
}

export const defaultPieceLimits: PieceLimits = {
  maxMessageBytes: 1_000_000,
  maxDecompressedBytes: 1024 ** 3,
  maxFailureTextChars: 1_000,
  maxFirstFailuresBytes: 256 * 1024,
  heartbeatIntervalMs: 1_000,
};

export interface PieceProcessorDeps {
  readonly objectStore: ObjectStore;
  /** Where each piece's full failure list is written (see `failureListLocation`). */
  readonly failuresBucket: string;
  readonly validators: RowValidators;
  /** Tells the consumer group the worker is alive. It throws when the group rebalances, which ends the piece. */
  readonly heartbeat: () => Promise<void>;
  readonly limits?: Partial<PieceLimits>;
  readonly readRetry?: RetryPolicy;
  /** Aborted when the worker is shutting down and can no longer wait for the piece to end. */
  readonly stopping?: AbortSignal;
  /**
   * Told, with each heartbeat, what the piece has read so far, for live progress. It must not wait
   * on anything: the rows go on at once.
   */
  readonly reportProgress?: (figures: PieceFigures) => void;
}

/**
 * The piece was given up because its worker is shutting down: its transaction is aborted, and the
 * work item, whose offset did not move, is imported again by whoever holds its partition next.
 */
export class PieceInterruptedError extends Error {
  override readonly name = 'PieceInterruptedError';
  readonly retriable = true;
}

/** Where the full failure list of a piece is written: the same key for every attempt at the piece. */
export function failureListLocation(failuresBucket: string, jobId: string, pieceId: string): S3Location {
  return { bucket: failuresBucket, key: `${jobId}/pieces/${pieceId}.ndjson` };
}

/**
 * Imports one piece inside `transaction`: streams its byte range from the object version it was
 * planned on, reads and checks each row, and sends every valid record to the piece's destination
 * topic, a batch at a time. Every rejected row is a RowFailure: the first ones are in the outcome,
 * all of them in the failure list written to the object store before this returns, hence before
 * the caller commits. Memory holds one chunk, one batch of records and the few parts of the failure
 * list that the store's write holds, whatever the piece's size.
 *
 * A source that changed, vanished or cannot be read is a `failed` outcome. Records of the piece may
 * already have been sent by then (a truncated gzip stream yields rows before it fails), so the
 * caller must abort `transaction` and record the failure in a new one. Faults a retry may cure (the
 * object store busy or away, Kafka errors, a rebalance) are thrown, and the caller aborts and tries again.
 */
export async function processPiece(item: PieceWorkItem, transaction: Transaction, deps: PieceProcessorDeps): Promise<PieceOutcome> {
  const limits = { ...defaultPieceLimits, ...deps.limits };
  let validate: RowValidator;
  try {
    validate = deps.validators.forJob(item);
  } catch (error) {
    if (!(error instanceof InvalidRowSchemaError)) throw error;
    // The domain has no code for a job whose schema is unusable; no row of the piece can be read under it.
    return { kind: 'failed', reason: { code: 'SOURCE_UNREADABLE', message: `The job's row schema cannot be used: ${error.reason}` } };
  }

  const { jobId, piece } = item;
  const failures = new PieceFailureList(deps.objectStore, failureListLocation(deps.failuresBucket, jobId, piece.pieceId), {
    firstKept: maxFailuresKept,
    firstKeptBytes: limits.maxFirstFailuresBytes,
  });
  const file = objectUrl(piece.origin ?? piece.object);
  const source = { bytesRead: 0 };
  const toRecord = recordMaker(item, file, validate, limits);
  const batch = new DestinationBatch(transaction, { maxBatchBytes: limits.maxMessageBytes });
  let rowsProcessed = 0;
  let heartbeatDueAt = Date.now() + limits.heartbeatIntervalMs;
  try {
    for await (const rows of rowBatchesOf(item, countedInto(source, sourceChunks(item, deps)), limits)) {
      if (deps.stopping?.aborted) throw new PieceInterruptedError(`${file}: the worker is shutting down; the piece is given up after ${rowsProcessed} rows`);
      // A chunk's rows go through without an await unless a send or the failure list must be waited for.
      for (const row of rows) {
        const made = row.ok ? toRecord(row) : row;
        const waiting = made.ok
          ? batch.add(made.message, made.bytes)
          : failures.add({ file, line: row.line, reason: truncateText(made.reason, limits.maxFailureTextChars), raw: row.raw });
        if (waiting !== undefined) await waiting;
      }
      rowsProcessed += rows.length;
      if (Date.now() >= heartbeatDueAt) {
        await deps.heartbeat();
        deps.reportProgress?.({ rowsRead: rowsProcessed, rowsFailed: failures.count, bytesRead: source.bytesRead });
        heartbeatDueAt = Date.now() + limits.heartbeatIntervalMs;
      }
    }
    await batch.flush();
    const failureList = await failures.finish();
    return {
      kind: 'completed',
      rowsProcessed,
      rowsFailed: failures.count,
      bytesProcessed: source.bytesRead,
      firstFailures: failures.first,
      ...(failureList === undefined ? {} : { failureListLocation: failureList }),
    };
  } catch (error) {
    await batch.abandon();
    await failures.discard();
    const reason = permanentFailureOf(error, file);
    if (reason === undefined) throw error;
    return { kind: 'failed', reason };
  }
}

function sourceChunks({ piece }: PieceWorkItem, deps: PieceProcessorDeps): AsyncIterable<Uint8Array> {
  const { bucket, key, etag, versionId } = piece.object;
  const range = piece.compression === 'gzip' ? 'whole' : piece.range;
  return deps.objectStore.read({ bucket, key, etag, versionId }, range, { retry: deps.readRetry });
}

async function* countedInto(counter: { bytesRead: number }, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    counter.bytesRead += chunk.length;
    yield chunk;
  }
}

function rowBatchesOf({ format, piece }: PieceWorkItem, chunks: AsyncIterable<Uint8Array>, limits: PieceLimits): AsyncIterable<RowResult[]> {
  const bytes = piece.compression === 'gzip' ? gunzipChunks(chunks, { maxDecompressedBytes: limits.maxDecompressedBytes }) : chunks;
  const rowLimits = { firstLine: piece.firstLine, maxRecordBytes: limits.maxMessageBytes, maxRawChars: limits.maxFailureTextChars };
  switch (format) {
    case 'CSV':
      return readCsvRowBatches(bytes, { header: piece.csvHeader ?? 'first-record', ...(piece.csv !== undefined && { dialect: piece.csv }), ...rowLimits });
    case 'JSON':
      return readNdjsonRowBatches(bytes, rowLimits);
    default:
      return assertNever(format);
  }
}

type MadeRecord = { readonly ok: true; readonly message: OutgoingMessage; readonly bytes: number } | { readonly ok: false; readonly reason: string };

function recordMaker({ jobId, keyField, piece, json }: PieceWorkItem, file: string, validate: RowValidator, limits: PieceLimits): (row: RowRecord) => MadeRecord {
  const topic = piece.destinationTopic;
  // A pass-through job's line goes out as the file wrote it: checked like any record, never written
  // again. (Validation of JSON rows coerces nothing, so the record checked is the line's own.)
  const valueOf = json?.passThrough ? lineAsWritten : ({ record }: RowRecord) => JSON.stringify(record);
  // Every record of the piece carries the same provenance but its line: those headers are encoded
  // once here, and their share of each record's size counted once.
  const jobIdHeader = Buffer.from(jobId);
  const pieceIdHeader = Buffer.from(piece.pieceId);
  const sourceHeader = Buffer.from(file);
  const headersOf = (line: string) => ({ 'import-job-id': jobIdHeader, 'import-piece-id': pieceIdHeader, 'import-source': sourceHeader, 'import-line': line });
  const bytesBesidesKeyValueAndLine = recordBytesBound({ topic, key: null, value: null, headers: headersOf('') });
  return (row) => {
    const { record, line } = row;
    // Validation coerces CSV strings to the schema's types in the record itself, so it comes first.
    const invalid = validate(record);
    if (invalid !== undefined) return { ok: false, reason: invalid };
    const key = keyOf(record, keyField);
    if (!key.ok) return { ok: false, reason: key.reason };
    const value = valueOf(row);
    const lineHeader = String(line);
    const bytes = bytesBesidesKeyValueAndLine + (key.key === null ? 0 : Buffer.byteLength(key.key)) + Buffer.byteLength(value) + lineHeader.length;
    if (bytes > limits.maxMessageBytes) {
      return { ok: false, reason: `the record takes ${bytes} bytes as a Kafka message, more than the ${limits.maxMessageBytes} a destination topic accepts` };
    }
    return { ok: true, message: { topic, key: key.key, value, headers: headersOf(lineHeader) }, bytes };
  };
}

function lineAsWritten({ lineBytes }: RowRecord): Buffer {
  // Only NDJSON jobs pass lines through, and every NDJSON row keeps its line's bytes.
  if (lineBytes === undefined) throw new TypeError('a pass-through row has no line bytes: only NDJSON rows can be passed through');
  return Buffer.from(lineBytes.buffer, lineBytes.byteOffset, lineBytes.byteLength);
}

function permanentFailureOf(error: unknown, file: string): PieceFailureReason | undefined {
  if (error instanceof ObjectStoreError) {
    switch (error.code) {
      case 'CHANGED':
        return { code: 'SOURCE_CHANGED', message: error.message };
      case 'NOT_FOUND':
        return { code: 'SOURCE_NOT_FOUND', message: error.message };
      case 'ACCESS_DENIED':
      case 'REFUSED':
      case 'TOO_LARGE':
        return { code: 'SOURCE_UNREADABLE', message: error.message };
      case 'UNAVAILABLE':
        return undefined;
      default:
        return assertNever(error.code);
    }
  }
  if (error instanceof CorruptGzipError || error instanceof DecompressedSizeLimitError || error instanceof CsvHeaderError) {
    return { code: 'SOURCE_UNREADABLE', message: `${file}: ${error.message}` };
  }
  return undefined;
}
