import { RecordFramer, type FramedRecord } from '../framing/record-framer';
import { cutRawText, rawText, requirePositiveInteger, rowLimits, type RowLimitOptions, type RowLimits, type RowResult } from '../row-result';
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
}

/**
 * The rows of a CSV piece, in file order, as objects keyed by the header (values are strings).
 * Blank lines are skipped. A row that cannot be read is a row failure, never an error ending the
 * stream; only a header that cannot key rows throws (CsvHeaderError), before any row.
 * Memory stays within one chunk and `maxRecordBytes`, whatever the piece's size: the next chunk is
 * read when the consumer has taken the rows of this one.
 */
export async function* readCsvRows(chunks: AsyncIterable<Uint8Array>, options: CsvReadOptions): AsyncGenerator<RowResult> {
  const reader = new CsvRowReader(options);
  for await (const chunk of chunks) yield* reader.push(chunk);
  yield* reader.finish();
}

class CsvRowReader {
  private readonly limits: RowLimits;
  private readonly framer: RecordFramer;
  private awaitingHeader: boolean;
  private columns: readonly string[];

  constructor(options: CsvReadOptions) {
    this.limits = rowLimits(options);
    requirePositiveInteger('firstLine', options.firstLine);
    this.framer = new RecordFramer(new CsvScanner(options.firstLine), this.limits, options.firstLine === 1);
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
      if (record.byteLength === 0) continue;
      if (this.awaitingHeader) {
        this.columns = csvHeaderFrom(record, this.limits, defaultMaxCsvHeaderBytes);
        this.awaitingHeader = false;
        continue;
      }
      const problem = recordProblem(record, this.limits);
      rows.push(problem === undefined ? this.row(record) : this.failure(record, problem));
    }
    return rows;
  }

  private row(record: FramedRecord): RowResult {
    const text = recordText(record);
    const fields = splitFields(text);
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
