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
 * Why a header cannot key records, or undefined when it can. Every name must be non-blank and
 * unique (compared exactly, case and spaces included): a nameless or repeated column would drop or
 * overwrite a value in every row of the file, so this fails the job rather than each row.
 */
export function validateCsvHeader(header: readonly string[]): string | undefined {
  if (header.length === 0) return 'no columns';
  const firstColumnNamed = new Map<string, number>();
  for (const [index, name] of header.entries()) {
    if (name.trim() === '') return `column ${index + 1} has no name`;
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

/** The column names in the file's first record. */
export function csvHeaderFrom(record: FramedRecord, limits: RowLimits): string[] {
  const problem = recordProblem(record, limits);
  if (problem !== undefined) throw new CsvHeaderError(problem);
  const names = splitFields(recordText(record));
  if (isQuotingProblem(names)) throw new CsvHeaderError(describeQuotingProblem(names, []));
  checkedCsvHeader(names);
  return names;
}
