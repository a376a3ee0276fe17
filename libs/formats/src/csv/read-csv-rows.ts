import { RecordFramer, type FramedRecord } from '../framing/record-framer';
import { rawText, requirePositiveInteger, rowLimits, type RowLimitOptions, type RowLimits, type RowResult } from '../row-result';
import { describeCsvError, isCsvError, parseRecords, recordProblem } from './csv-fields';
import { checkedCsvHeader, csvHeaderFrom } from './csv-header';
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

// csv-parse costs several times more per record when called once per record than once for many,
// so the good records of a chunk are parsed together, and one by one only when a call fails.
const maxRecordsPerParse = 1000;

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
    let wellFramed: FramedRecord[] = [];
    for (const record of records) {
      if (record.byteLength === 0) continue;
      if (this.awaitingHeader) {
        this.columns = csvHeaderFrom(record, this.limits);
        this.awaitingHeader = false;
        continue;
      }
      const problem = recordProblem(record, this.limits);
      if (problem === undefined) {
        wellFramed.push(record);
        continue;
      }
      this.parseInto(rows, wellFramed);
      rows.push(this.failure(record, problem));
      wellFramed = [];
    }
    this.parseInto(rows, wellFramed);
    return rows;
  }

  private parseInto(rows: RowResult[], records: FramedRecord[]): void {
    for (let start = 0; start < records.length; start += maxRecordsPerParse) {
      const group = records.slice(start, start + maxRecordsPerParse);
      try {
        const parsed = parseRecords(group);
        group.forEach((record, index) => rows.push(this.row(record, parsed[index])));
      } catch (error) {
        if (!isCsvError(error)) throw error;
        for (const record of group) rows.push(this.parseAlone(record));
      }
    }
  }

  private parseAlone(record: FramedRecord): RowResult {
    try {
      return this.row(record, parseRecords([record])[0]);
    } catch (error) {
      if (!isCsvError(error)) throw error;
      return this.failure(record, describeCsvError(error, this.columns));
    }
  }

  private row(record: FramedRecord, fields: string[]): RowResult {
    if (fields.length !== this.columns.length) {
      return this.failure(record, `expected ${this.columns.length} fields as in the header, found ${fields.length}`);
    }
    // fromEntries defines properties, so a "__proto__" column is a field, not a prototype.
    const values = Object.fromEntries(this.columns.map((name, index) => [name, fields[index]]));
    return { ok: true, line: record.line, record: values, rawBytes: record.byteLength, raw: rawText(record.bytes, this.limits) };
  }

  private failure(record: FramedRecord, reason: string): RowResult {
    return { ok: false, line: record.line, reason, raw: rawText(record.bytes, this.limits) };
  }
}
