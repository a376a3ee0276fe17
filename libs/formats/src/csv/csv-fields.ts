import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import type { FramedRecord } from '../framing/record-framer';
import type { RowLimits } from '../row-result';

const lineFeed = Uint8Array.of(0x0a);

// The scanner has already cut the records, dropped their line endings and bounded their size, so
// csv-parse sees whole records joined by LF: its own record-size guard and line-ending discovery
// have nothing left to do, and a byte order mark here is data, not a mark.
const fieldOptions = { bom: false, record_delimiter: '\n', max_record_size: 0, skip_empty_lines: false } as const;

/** Why a framed record cannot be parsed at all, before csv-parse looks at its fields. */
export function recordProblem(record: FramedRecord, limits: RowLimits): string | undefined {
  if (record.unterminatedQuote) return 'a quoted field is not closed before the end of the input';
  if (record.tooLong) return `record longer than ${limits.maxRecordBytes} bytes`;
  // csv-parse decodes with Buffer#toString, which would replace bad bytes without a word.
  if (!isUtf8(record.bytes)) return 'not valid UTF-8';
  return undefined;
}

/** Field values keyed by column name, one object per record, in order; throws a CsvError for a record csv-parse rejects. */
export function parseRecordsAsObjects(records: readonly FramedRecord[], columns: readonly string[]): Record<string, string>[] {
  return parse<Record<string, string>>(joinedByLineFeed(records), { ...fieldOptions, columns: [...columns] });
}

/** Field values of each record, in order; throws a CsvError for a record csv-parse rejects. */
export function parseRecordsAsArrays(records: readonly FramedRecord[]): string[][] {
  return parse(joinedByLineFeed(records), fieldOptions);
}

function joinedByLineFeed(records: readonly FramedRecord[]): Buffer {
  return Buffer.concat(records.flatMap((record) => [record.bytes, lineFeed]));
}

export function isCsvError(error: unknown): error is CsvError {
  return error instanceof CsvError;
}

/** csv-parse's reason in the row's own terms: its messages count lines within the record, not the file. */
export function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `expected ${countOf(error['columns'])} fields as in the header, found ${countOf(error['record'])}`;
    case 'INVALID_OPENING_QUOTE':
      return `${fieldLabel(error)}: a quote inside an unquoted field (quote the whole field and double the quotes in it)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `${fieldLabel(error)}: text after the closing quote of a quoted field (double a quote that belongs to the value)`;
    default:
      return error.message;
  }
}

// csv-parse attaches both lists to this error; the '?' only satisfies their `unknown` type.
function countOf(list: unknown): number | string {
  return Array.isArray(list) ? list.length : '?';
}

function fieldLabel(error: CsvError): string {
  const column = error['column'];
  if (typeof column === 'string') return `field "${column}"`;
  if (typeof column === 'number') return `field ${column + 1}`;
  return 'a field';
}
