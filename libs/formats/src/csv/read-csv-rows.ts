import { frameRecords, RecordFramer, type FramedRecord } from '../framing/record-framer';
import { rawText, requirePositiveInteger, rowLimits, type RowLimitOptions, type RowLimits, type RowResult } from '../row-result';
import { describeCsvError, isCsvError, parseRecordsAsObjects, recordProblem } from './csv-fields';
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
 * Memory stays within one batch of records plus `maxRecordBytes`, whatever the piece's size.
 */
export async function* readCsvRows(chunks: AsyncIterable<Uint8Array>, options: CsvReadOptions): AsyncGenerator<RowResult> {
  const limits = rowLimits(options);
  requirePositiveInteger('firstLine', options.firstLine);
  const framer = new RecordFramer(new CsvScanner(options.firstLine), limits, options.firstLine === 1);
  let batch = options.header === 'first-record' ? undefined : new RecordBatch(checkedCsvHeader(options.header), limits);
  for await (const record of frameRecords(chunks, framer)) {
    if (record.byteLength === 0) continue;
    if (!batch) {
      batch = new RecordBatch(csvHeaderFrom(record, limits), limits);
      continue;
    }
    const problem = recordProblem(record, limits);
    if (problem === undefined) {
      if (batch.add(record)) yield* batch.flush();
      continue;
    }
    yield* batch.flush();
    yield { ok: false, line: record.line, reason: problem, raw: rawText(record.bytes, limits) };
  }
  if (batch) yield* batch.flush();
}

// csv-parse costs about four times more per record when called once per record than once per
// batch, so records are parsed together, and one by one only when their batch has a bad one.
const batchMaxBytes = 64 * 1024;
const batchMaxRecords = 1000;

class RecordBatch {
  private records: FramedRecord[] = [];
  private bytes = 0;

  constructor(
    private readonly columns: readonly string[],
    private readonly limits: RowLimits,
  ) {}

  /** Whether the batch is now full. */
  add(record: FramedRecord): boolean {
    this.records.push(record);
    this.bytes += record.byteLength;
    return this.bytes >= batchMaxBytes || this.records.length >= batchMaxRecords;
  }

  flush(): RowResult[] {
    const records = this.records;
    this.records = [];
    this.bytes = 0;
    if (records.length === 0) return [];
    try {
      const parsed = parseRecordsAsObjects(records, this.columns);
      return records.map((record, index) => this.row(record, parsed[index]));
    } catch (error) {
      if (!isCsvError(error)) throw error;
      return records.map((record) => this.parseAlone(record));
    }
  }

  private parseAlone(record: FramedRecord): RowResult {
    try {
      const [fields] = parseRecordsAsObjects([record], this.columns);
      return this.row(record, fields);
    } catch (error) {
      if (!isCsvError(error)) throw error;
      return { ok: false, line: record.line, reason: describeCsvError(error), raw: rawText(record.bytes, this.limits) };
    }
  }

  private row(record: FramedRecord, fields: Record<string, string>): RowResult {
    return { ok: true, line: record.line, record: fields, rawBytes: record.byteLength, raw: rawText(record.bytes, this.limits) };
  }
}
