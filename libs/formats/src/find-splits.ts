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
 * Not for a gzip object's own bytes, whose ranges cannot be read on their own: its decompressed
 * bytes are cut, each split handed out with its bytes to be stored apart (`splitsWithBytes`).
 */
export async function findSplits(chunks: AsyncIterable<Uint8Array>, options: SplitOptions): Promise<SplitPlan> {
  const splitter = new RecordSplitter(options);
  const splits: Split[] = [];
  let totalBytes = 0;
  for await (const chunk of chunks) {
    totalBytes += chunk.length;
    splits.push(...splitter.push(chunk));
  }
  splits.push(...splitter.finish());
  const { csvHeader } = splitter;
  return csvHeader ? { splits, csvHeader, totalBytes } : { splits, totalBytes };
}

/**
 * `findSplits` as the bytes arrive: each `push` returns the splits its bytes closed, so that a
 * caller holding the bytes since the last split (a gzip file decompressed into staging objects) can
 * store each split as soon as it is known and let its bytes go. A split closes once a record start
 * beyond the target is seen, so a caller holds at most a split and the records read past it.
 */
export class RecordSplitter {
  private readonly limits: ReturnType<typeof rowLimits>;
  private readonly maxHeaderBytes: number;
  private readonly dialect: CsvDialect;
  private readonly header: 'first-record' | 'numbered' | 'given';
  private readonly framer: RecordFramer;
  private readonly cutter: SplitCutter;
  private foundHeader: string[] | undefined;
  private bytesSeen = 0;
  /** The file's line of the last record that ended so far (0 before any). */
  lastRecordLine = 0;

  constructor(private readonly options: SplitOptions) {
    requirePositiveInteger('targetPieceBytes', options.targetPieceBytes);
    this.maxHeaderBytes = options.maxHeaderBytes ?? defaultMaxCsvHeaderBytes;
    // Only the header is ever held: the other records are only where they start.
    this.limits = rowLimits({ maxRecordBytes: this.maxHeaderBytes });
    ({ dialect: this.dialect, header: this.header } = options.csv ?? { dialect: rfc4180Dialect, header: 'first-record' });
    const scanner = options.format === 'CSV' ? new CsvScanner(1, this.dialect) : new NdjsonScanner(1);
    this.framer = new RecordFramer(scanner, this.limits, true);
    this.cutter = new SplitCutter(options.targetPieceBytes);
  }

  /** CSV only: the header, once its record is read (see `SplitPlan.csvHeader`). */
  get csvHeader(): string[] | undefined {
    return this.foundHeader;
  }

  push(chunk: Uint8Array): Split[] {
    this.bytesSeen += chunk.length;
    this.consider(this.framer.push(chunk));
    return this.cutter.takeClosed();
  }

  /** The bytes are all pushed: the splits left, the last one to the end of the file. */
  finish(): Split[] {
    this.consider(this.framer.finish());
    return [...this.cutter.takeClosed(), ...this.cutter.splitsUntil(this.bytesSeen)];
  }

  private consider(records: FramedRecord[]): void {
    const { format } = this.options;
    const headerRecord = format === 'CSV' && this.header === 'first-record';
    for (const record of records) {
      this.lastRecordLine = record.line;
      if (record.byteLength === 0) continue;
      if (headerRecord && !this.foundHeader) {
        this.foundHeader = csvHeaderFrom(record, this.limits, this.maxHeaderBytes, this.dialect);
        continue;
      }
      if (format === 'CSV' && this.header === 'numbered' && !this.foundHeader) this.foundHeader = positionalColumnNames(fieldCountOf(record, this.limits, this.dialect));
      // Where the data starts at the file's first record, the first split starts at byte 0, so that
      // its reader drops the file's byte order mark as a whole-file read would.
      this.cutter.recordStartsAt(!headerRecord && this.cutter.isEmpty ? { offset: 0, line: 1 } : record);
    }
  }
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

  /** The splits closed since the last call. */
  takeClosed(): Split[] {
    return this.splits.splice(0);
  }

  /** The last split, to the file's end (none when no record started). */
  splitsUntil(end: number): Split[] {
    this.closeAt(end);
    return this.takeClosed();
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
