import { TextDecoder } from 'node:util';

/** One data row of a piece: a record to validate and publish, or the reason it cannot be read. */
export type RowResult = RowRecord | RowFailureResult;

export interface RowRecord {
  readonly ok: true;
  /** The file's own line number of the row's first byte. */
  readonly line: number;
  readonly record: Record<string, unknown>;
  /** Bytes the row takes in the file, without its line ending. */
  readonly rawBytes: number;
  /** The row as the file has it, cut to `maxRawChars` and then marked (`truncationMarker`): what a validation failure shows. */
  readonly raw: string;
  /**
   * NDJSON only: the line as the file has it, without its line end: what a job that publishes lines
   * as they are sends. A view of the chunk it came in, which keeps that chunk alive while it is held;
   * no source, inflater or framer reuses a chunk's memory once handed on, so it stays the line.
   */
  readonly lineBytes?: Uint8Array;
}

export interface RowFailureResult {
  readonly ok: false;
  readonly line: number;
  readonly reason: string;
  /** The row as the file has it, cut to `maxRawChars` and then marked (`truncationMarker`). */
  readonly raw: string;
}

export interface RowLimitOptions {
  /** A longer record is a row failure; the reader never holds more than this of one record. */
  readonly maxRecordBytes?: number;
  /** UTF-16 units of a row's text kept in `raw`; a longer row's is cut there and ends with `truncationMarker`. */
  readonly maxRawChars?: number;
}

export const defaultMaxRecordBytes = 1024 * 1024;
export const defaultMaxRawChars = 1000;

export interface RowLimits {
  readonly maxRecordBytes: number;
  readonly maxRawChars: number;
  /** Enough leading bytes of a record to show `maxRawChars` characters of it. */
  readonly rawHeadBytes: number;
}

export function rowLimits(options: RowLimitOptions): RowLimits {
  const maxRecordBytes = options.maxRecordBytes ?? defaultMaxRecordBytes;
  const maxRawChars = options.maxRawChars ?? defaultMaxRawChars;
  requirePositiveInteger('maxRecordBytes', maxRecordBytes);
  requirePositiveInteger('maxRawChars', maxRawChars);
  // A UTF-16 unit never takes more than 3 bytes of UTF-8, so this many bytes hold maxRawChars
  // whole characters even when the cut lands inside a multi-byte one.
  return { maxRecordBytes, maxRawChars, rawHeadBytes: maxRawChars * 3 + 3 };
}

/** The rows of each batch in turn. */
export async function* oneByOne(batches: AsyncIterable<RowResult[]>): AsyncGenerator<RowResult> {
  for await (const rows of batches) yield* rows;
}

export function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/** Ends a text that was cut, so that a person never takes a cut row or reason for the whole of it. */
export const truncationMarker = '…[truncated]';

// Not fatal on purpose: `raw` only shows a row to a person, and a row whose bytes are not UTF-8 is
// already a failure saying so; the BOM is kept so a U+FEFF inside the data stays visible.
const displayDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A row's bytes as `raw` text; `byteLength` is the whole row's when `bytes` holds only its head. */
export function rawText(bytes: Uint8Array, limits: RowLimits, byteLength = bytes.length): string {
  const head = bytes.subarray(0, limits.rawHeadBytes);
  return truncateText(displayDecoder.decode(head), limits.maxRawChars, byteLength > head.length);
}

export function cutRawText(text: string, limits: RowLimits): string {
  return truncateText(text, limits.maxRawChars);
}

/**
 * The first `maxChars` UTF-16 units of `text` (a surrogate pair is never split), followed by
 * `truncationMarker` when anything was left out, `text` itself having been cut before already or not.
 */
export function truncateText(text: string, maxChars: number, alreadyCut = false): string {
  if (text.length <= maxChars) return alreadyCut ? text + truncationMarker : text;
  const cut = text.slice(0, maxChars);
  return (isHighSurrogate(cut.charCodeAt(cut.length - 1)) ? cut.slice(0, -1) : cut) + truncationMarker;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
