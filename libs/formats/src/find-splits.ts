import { positionalColumnNames, rfc4180Dialect, type CsvDialect, type ImportFormat } from '@import-jobs/domain';
import { describeQuotingProblem, isQuotingProblem, recordProblem, recordText, splitFields } from './csv/csv-fields';
import { CsvHeaderError, csvHeaderFrom, defaultMaxCsvHeaderBytes } from './csv/csv-header';
import { CsvScanner } from './csv/csv-scanner';
import { RecordFramer, type FramedRecord } from './framing/record-framer';
import { NdjsonScanner } from './ndjson/ndjson-scanner';
import { requirePositiveInteger, rowLimits } from './row-result';

/** Bytes [start, end) of the file, cut where a record starts. */
export interface Split {
  readonly start: number;
  readonly end: number;
  /** The file's own line number of the split's first byte, which is its first record's. */
  readonly firstLine: number;
}

export interface SplitPlan {
  /** In file order, back to back from the first data record to the end of the file. */
  readonly splits: Split[];
  /**
   * CSV only: the names in the file's first record, which no split contains; for a file without a
   * header row, `column1`… for as many fields as its first record has (and the first split holds it).
   */
  readonly csvHeader?: string[];
  readonly totalBytes: number;
}

export interface SplitOptions {
  readonly format: ImportFormat;
  /** Each split is at most this long, unless one record alone is longer. */
  readonly targetPieceBytes: number;
  /** CSV: the longest header accepted (default 64 KiB): it is copied into every piece's work item. */
  readonly maxHeaderBytes?: number;
  /**
   * CSV: how the file is written (RFC 4180 in UTF-8 when absent; not UTF-16, whose files are read
   * whole), and what its first record is: the header (`'first-record'`, the default), data of a
   * file without one whose columns are numbered (`'numbered'`), or data of a file whose column
   * names the caller gave (`'given'`).
   */
  readonly csv?: { readonly dialect: CsvDialect; readonly header: 'first-record' | 'numbered' | 'given' };
}

/**
 * The planner's pass over a whole, uncompressed file: one read, constant memory, splits cut only
 * where a record starts (for CSV, quote-aware: a quoted field may hold line breaks), so a reader
 * given a split and its `firstLine` sees the rows, and line numbers, that a whole-file read sees.
 *
 * CSV: the first non-blank record is the header, unless the file has none; it is returned, checked
 * (CsvHeaderError) and left out of every split. A file with no data record has no splits.
 *
 * Not for gzip objects, whose byte ranges cannot be read on their own: a gzip object is one piece,
 * read whole (`readCsvRows` with `header: 'first-record'`, or `readNdjsonRows` with `firstLine: 1`).
 */
export async function findSplits(chunks: AsyncIterable<Uint8Array>, options: SplitOptions): Promise<SplitPlan> {
  requirePositiveInteger('targetPieceBytes', options.targetPieceBytes);
  const maxHeaderBytes = options.maxHeaderBytes ?? defaultMaxCsvHeaderBytes;
  // Only the header is ever held: the other records are only where they start.
  const limits = rowLimits({ maxRecordBytes: maxHeaderBytes });
  const { dialect, header } = options.csv ?? { dialect: rfc4180Dialect, header: 'first-record' };
  const scanner = options.format === 'CSV' ? new CsvScanner(1, dialect) : new NdjsonScanner(1);
  const framer = new RecordFramer(scanner, limits, true);
  const cutter = new SplitCutter(options.targetPieceBytes);
  const headerRecord = options.format === 'CSV' && header === 'first-record';
  let csvHeader: string[] | undefined;
  const consider = (records: FramedRecord[]): void => {
    for (const record of records) {
      if (record.byteLength === 0) continue;
      if (headerRecord && !csvHeader) {
        csvHeader = csvHeaderFrom(record, limits, maxHeaderBytes, dialect);
        continue;
      }
      if (options.format === 'CSV' && header === 'numbered' && !csvHeader) csvHeader = positionalColumnNames(fieldCountOf(record, limits, dialect));
      // Where the data starts at the file's first record, the first split starts at byte 0, so that
      // its reader drops the file's byte order mark as a whole-file read would.
      cutter.recordStartsAt(!headerRecord && cutter.isEmpty ? { offset: 0, line: 1 } : record);
    }
  };
  let totalBytes = 0;
  for await (const chunk of chunks) {
    totalBytes += chunk.length;
    consider(framer.push(chunk));
  }
  consider(framer.finish());
  const splits = cutter.splitsUntil(totalBytes);
  return csvHeader ? { splits, csvHeader, totalBytes } : { splits, totalBytes };
}

/** How many fields the first record of a file without a header has: as many columns as it gets names. */
function fieldCountOf(record: FramedRecord, limits: ReturnType<typeof rowLimits>, dialect: CsvDialect): number {
  const problem = recordProblem(record, limits, dialect);
  if (problem !== undefined) throw new CsvHeaderError(`the first record, which gives the number of columns: ${problem}`);
  const fields = splitFields(recordText(record, dialect), dialect);
  if (isQuotingProblem(fields)) throw new CsvHeaderError(`the first record, which gives the number of columns: ${describeQuotingProblem(fields, [])}`);
  return fields.length;
}

interface RecordStart {
  readonly offset: number;
  readonly line: number;
}

/** Cuts at the last record start that keeps a split within the target, so splits stay below it. */
class SplitCutter {
  private readonly splits: Split[] = [];
  private start: RecordStart | undefined;
  /** The latest record start within the target from `start`: where to cut when the next one is beyond it. */
  private lastFitting: RecordStart | undefined;

  constructor(private readonly targetBytes: number) {}

  get isEmpty(): boolean {
    return this.start === undefined;
  }

  recordStartsAt(record: RecordStart): void {
    if (this.start && this.lastFitting && record.offset - this.start.offset > this.targetBytes) this.startAt(this.lastFitting);
    if (this.start && record.offset - this.start.offset <= this.targetBytes) this.lastFitting = record;
    else this.startAt(record);
  }

  splitsUntil(end: number): Split[] {
    this.closeAt(end);
    return this.splits;
  }

  private startAt(record: RecordStart): void {
    this.closeAt(record.offset);
    this.start = record;
    this.lastFitting = undefined;
  }

  private closeAt(end: number): void {
    if (this.start) this.splits.push({ start: this.start.offset, end, firstLine: this.start.line });
  }
}
