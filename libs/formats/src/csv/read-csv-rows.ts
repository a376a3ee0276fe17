import { rfc4180Dialect, type CsvDialect } from '@import-jobs/domain';
import { RecordFramer, type FramedRecord } from '../framing/record-framer';
import { cutRawText, oneByOne, rawText, requirePositiveInteger, rowLimits, type RowLimitOptions, type RowLimits, type RowResult } from '../row-result';
import { describeQuotingProblem, isQuotingProblem, recordProblem, recordText, splitFields } from './csv-fields';
import { checkedCsvHeader, csvHeaderFrom, defaultMaxCsvHeaderBytes } from './csv-header';
import { CsvScanner } from './csv-scanner';

export interface CsvReadOptions extends RowLimitOptions {
  /**
   * The file's header as `findSplits` returned it, for a piece of the file; or `'first-record'`
   * when the input is the whole file, header included (a gzip object, which is one piece).
   */
  readonly header: readonly string[] | 'first-record';
  /** The file's own line number of the input's first byte; 1 means the input starts at byte 0. */
  readonly firstLine: number;
  /** How the file is written, as the planner settled it; RFC 4180 in UTF-8 when absent. */
  readonly dialect?: CsvDialect;
}

/**
 * The rows of a CSV piece, in file order, as objects keyed by the header (values are strings),
 * handed over a chunk's worth at a time: a consumer of a million rows then awaits once per chunk,
 * not once per row. Blank lines are skipped. A row that cannot be read is a row failure, never an
 * error ending the stream; only a header that cannot key rows throws (CsvHeaderError), before any
 * row. Memory stays within one chunk and `maxRecordBytes`, whatever the piece's size: the next chunk
 * is read when the consumer has taken the rows of this one.
 */
export async function* readCsvRowBatches(chunks: AsyncIterable<Uint8Array>, options: CsvReadOptions): AsyncGenerator<RowResult[]> {
  const reader = new CsvRowReader(options);
  for await (const chunk of utf8Of(chunks, options.dialect?.encoding ?? 'utf-8')) yield reader.push(chunk);
  yield reader.finish();
}

/** `readCsvRowBatches` a row at a time, for readers to whom a row's await costs nothing that matters. */
export function readCsvRows(chunks: AsyncIterable<Uint8Array>, options: CsvReadOptions): AsyncGenerator<RowResult> {
  return oneByOne(readCsvRowBatches(chunks, options));
}

/**
 * UTF-16 bytes as UTF-8, chunk by chunk (a character split between chunks is kept for the next):
 * the scanner and the splitter then see one byte per ASCII character, as in every other encoding.
 * A UTF-16 file is read whole, from its byte order mark, which the decoder drops.
 */
export async function* utf8Of(chunks: AsyncIterable<Uint8Array>, encoding: CsvDialect['encoding']): AsyncGenerator<Uint8Array> {
  if (encoding !== 'utf-16le' && encoding !== 'utf-16be') {
    yield* chunks;
    return;
  }
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) yield Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8');
  yield Buffer.from(decoder.decode(), 'utf8');
}

class CsvRowReader {
  private readonly limits: RowLimits;
  private readonly dialect: CsvDialect;
  private readonly framer: RecordFramer;
  private awaitingHeader: boolean;
  private columns: readonly string[];

  constructor(options: CsvReadOptions) {
    this.limits = rowLimits(options);
    this.dialect = options.dialect ?? rfc4180Dialect;
    requirePositiveInteger('firstLine', options.firstLine);
    this.framer = new RecordFramer(new CsvScanner(options.firstLine, this.dialect), this.limits, options.firstLine === 1);
    this.awaitingHeader = options.header === 'first-record';
    this.columns = options.header === 'first-record' ? [] : checkedCsvHeader(options.header);
  }

  push(chunk: Uint8Array): RowResult[] {
    return this.rowsOf(this.framer.push(chunk));
  }

  finish(): RowResult[] {
    return this.rowsOf(this.framer.finish());
  }

  private rowsOf(records: FramedRecord[]): RowResult[] {
    const rows: RowResult[] = [];
    for (const record of records) {
      if (this.isSkipped(record)) continue;
      if (this.awaitingHeader) {
        this.columns = csvHeaderFrom(record, this.limits, defaultMaxCsvHeaderBytes, this.dialect);
        this.awaitingHeader = false;
        continue;
      }
      const problem = recordProblem(record, this.limits, this.dialect);
      rows.push(problem === undefined ? this.row(record) : this.failure(record, problem));
    }
    return rows;
  }

  /** A blank line (and, trimming, a line of blanks) is no record, unless the dialect keeps empty lines; a header is never one. */
  private isSkipped(record: FramedRecord): boolean {
    if (!this.dialect.skipEmptyLines && !this.awaitingHeader) return false;
    return record.byteLength === 0 || (this.dialect.trim && !record.tooLong && /^[ \t]*$/.test(recordText(record, this.dialect)));
  }

  private row(record: FramedRecord): RowResult {
    const text = recordText(record, this.dialect);
    const fields = splitFields(text, this.dialect);
    if (isQuotingProblem(fields)) return this.failure(record, describeQuotingProblem(fields, this.columns));
    const { columns } = this;
    if (fields.length !== columns.length) {
      return this.failure(record, `expected ${columns.length} fields as in the header, found ${fields.length}`);
    }
    const values: Record<string, unknown> = {};
    for (let index = 0; index < columns.length; index++) {
      const name = columns[index] as string;
      // Assigning "__proto__" would set the prototype; defining it makes it a field like any other.
      if (name === '__proto__') Object.defineProperty(values, name, { value: fields[index], enumerable: true, writable: true, configurable: true });
      else values[name] = fields[index];
    }
    return { ok: true, line: record.line, record: values, rawBytes: record.byteLength, raw: cutRawText(text, this.limits) };
  }

  private failure(record: FramedRecord, reason: string): RowResult {
    return { ok: false, line: record.line, reason, raw: rawText(record.bytes, this.limits, record.byteLength) };
  }
}
