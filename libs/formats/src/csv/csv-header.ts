import type { CsvDialect } from '@import-jobs/domain';
import type { FramedRecord } from '../framing/record-framer';
import type { RowLimits } from '../row-result';
import { describeQuotingProblem, isQuotingProblem, recordProblem, recordText, splitFields } from './csv-fields';

/** The file's header cannot name the fields of its rows, so no row of the file can be read: the job fails. */
export class CsvHeaderError extends Error {
  readonly code = 'INVALID_CSV_HEADER';

  constructor(readonly reason: string) {
    super(`CSV header: ${reason}`);
    this.name = 'CsvHeaderError';
  }
}

/**
 * The longest header accepted. The planner copies a file's header into the work item of each of
 * its pieces and into the job's plan, so a header of megabytes would make every one of them too
 * large for Kafka and the event store; real headers take a few KiB.
 */
export const defaultMaxCsvHeaderBytes = 64 * 1024;

/**
 * Why a header cannot key records, or undefined when it can. Every name must be non-blank and
 * unique (compared exactly, case and spaces included): a nameless or repeated column would drop or
 * overwrite a value in every row of the file, so this fails the job rather than each row.
 *
 * A name must not hold U+0000 either: it is no character of a name, the event store that keeps the
 * job's plan cannot store it (PostgreSQL's jsonb refuses it), and it is what a UTF-16 file, which
 * read as UTF-8 (its encoding not said or found), shows between its letters.
 */
export function validateCsvHeader(header: readonly string[]): string | undefined {
  if (header.length === 0) return 'no columns';
  const firstColumnNamed = new Map<string, number>();
  for (const [index, name] of header.entries()) {
    if (name.trim() === '') return `column ${index + 1} has no name`;
    if (name.includes('\u0000')) return `the name of column ${index + 1} holds a NUL character (U+0000); is the file UTF-16? Say so in csv.encoding`;
    const earlier = firstColumnNamed.get(name);
    if (earlier !== undefined) return `columns ${earlier + 1} and ${index + 1} are both named "${name}"`;
    firstColumnNamed.set(name, index);
  }
  return undefined;
}

/** A header handed to a reader, checked by the same rules as one read from the file. */
export function checkedCsvHeader(header: readonly string[]): readonly string[] {
  const problem = validateCsvHeader(header);
  if (problem !== undefined) throw new CsvHeaderError(problem);
  return header;
}

/**
 * The fields of the file's first record, which takes at most `maxHeaderBytes`: its column names,
 * or, for a file without a header row, only their count.
 */
export function csvHeaderFrom(record: FramedRecord, limits: RowLimits, maxHeaderBytes: number, dialect?: CsvDialect): string[] {
  if (record.byteLength > maxHeaderBytes) {
    throw new CsvHeaderError(`longer than ${maxHeaderBytes} bytes, the most a header may take (it is copied into the work item of every piece)`);
  }
  const problem = recordProblem(record, limits, dialect);
  if (problem !== undefined) throw new CsvHeaderError(problem);
  const names = splitFields(recordText(record, dialect), dialect);
  if (isQuotingProblem(names)) throw new CsvHeaderError(describeQuotingProblem(names, []));
  checkedCsvHeader(names);
  return names;
}
