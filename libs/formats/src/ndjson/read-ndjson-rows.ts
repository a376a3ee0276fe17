import { TextDecoder } from 'node:util';
import { RecordFramer, type FramedRecord } from '../framing/record-framer';
import { cutRawText, oneByOne, rawText, requirePositiveInteger, rowLimits, type RowLimitOptions, type RowLimits, type RowResult } from '../row-result';
import { defaultMaxNestingDepth, jsonLineProblem } from './json-limits';
import { NdjsonScanner } from './ndjson-scanner';

export interface NdjsonReadOptions extends RowLimitOptions {
  /** The file's own line number of the input's first byte; 1 means the input starts at byte 0. */
  readonly firstLine: number;
  /** A record nested deeper (objects and arrays, the record itself being level 1) is a row failure; default 64. */
  readonly maxNestingDepth?: number;
}

interface NdjsonLimits extends RowLimits {
  readonly maxNestingDepth: number;
}

const cr = 0x0d;
/** JSON's whitespace: a line of nothing else holds no record. */
const blank = /^[\t\r ]*$/;

/**
 * The records of an NDJSON piece, in file order, handed over a chunk's worth at a time: each
 * non-blank line must be one JSON object. Blank lines (nothing but spaces, tabs and a CR) are
 * skipped; every other line that is not an object (invalid UTF-8 or JSON, an array, a scalar,
 * trailing text, too long) is a row failure. Memory stays within one chunk plus `maxRecordBytes`,
 * whatever the piece's size.
 *
 * Records are what JSON.parse returns, untouched: a `"__proto__"` key is an own property of its
 * record, and nothing here copies it into another object, where it would set a prototype. Each
 * record's line is kept as its bytes too (`RowRecord.lineBytes`), for a job that publishes lines as they are.
 */
export async function* readNdjsonRowBatches(chunks: AsyncIterable<Uint8Array>, options: NdjsonReadOptions): AsyncGenerator<RowResult[]> {
  const limits = { ...rowLimits(options), maxNestingDepth: options.maxNestingDepth ?? defaultMaxNestingDepth };
  requirePositiveInteger('firstLine', options.firstLine);
  requirePositiveInteger('maxNestingDepth', limits.maxNestingDepth);
  // Lines are cut on bytes first (an LF never occurs inside a UTF-8 sequence), so each is decoded
  // whole and a bad byte fails its own line. Fatal: no silent U+FFFD. ignoreBOM keeps a U+FEFF
  // that starts a later line, which is then not JSON; the file's own byte order mark is dropped
  // by the framer before any line is cut.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const framer = new RecordFramer(new NdjsonScanner(options.firstLine), limits, options.firstLine === 1);
  const rowsOf = (lines: FramedRecord[]): RowResult[] => {
    const rows: RowResult[] = [];
    for (const line of lines) {
      const row = readLine(line, decoder, limits);
      if (row !== undefined) rows.push(row);
    }
    return rows;
  };
  // The next chunk is read when the consumer has taken the rows of this one.
  for await (const chunk of chunks) yield rowsOf(framer.push(chunk));
  yield rowsOf(framer.finish());
}

/** `readNdjsonRowBatches` a row at a time, for readers to whom a row's await costs nothing that matters. */
export function readNdjsonRows(chunks: AsyncIterable<Uint8Array>, options: NdjsonReadOptions): AsyncGenerator<RowResult> {
  return oneByOne(readNdjsonRowBatches(chunks, options));
}

function readLine(line: FramedRecord, decoder: TextDecoder, limits: NdjsonLimits): RowResult | undefined {
  if (line.byteLength === 0) return undefined;
  const bytes = withoutTrailingCr(line.bytes);
  const rowByteLength = line.byteLength - (line.bytes.length - bytes.length);
  const failure = (reason: string): RowResult => ({ ok: false, line: line.line, reason, raw: rawText(bytes, limits, rowByteLength) });
  if (line.tooLong) return failure(`record longer than ${limits.maxRecordBytes} bytes`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return failure('not valid UTF-8');
  }
  if (blank.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failure(`invalid JSON: ${(error as Error).message}${holdsInnerCr(text) ? ' (the line holds a CR: NDJSON lines end with LF)' : ''}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure(`expected a JSON object, found ${describeJsonValue(value)}`);
  }
  const problem = jsonLineProblem(text, limits.maxNestingDepth);
  if (problem !== undefined) return failure(problem);
  return { ok: true, line: line.line, record: value as Record<string, unknown>, rawBytes: bytes.length, raw: cutRawText(text, limits), lineBytes: bytes };
}

/** A file whose lines end with a CR alone reads as one line, which is worth saying. */
function holdsInnerCr(text: string): boolean {
  return text.trimEnd().includes('\r');
}

function withoutTrailingCr(bytes: Uint8Array): Uint8Array {
  return bytes[bytes.length - 1] === cr ? bytes.subarray(0, -1) : bytes;
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
