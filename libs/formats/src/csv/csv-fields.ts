import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import type { FramedRecord } from '../framing/record-framer';
import type { RowLimits } from '../row-result';

const lineFeed = Uint8Array.of(0x0a);

// The scanner has already cut the records, dropped their line endings and bounded their size, so
// csv-parse sees whole records joined by LF: its own record-size guard and line-ending discovery
// have nothing left to do, and a byte order mark here is data, not a mark.
const fieldOptions = { bom: false, record_delimiter: '\n', max_record_size: 0, skip_empty_lines: false, relax_column_count: true } as const;

/** Why a framed record cannot be parsed at all, before csv-parse looks at its fields. */
export function recordProblem(record: FramedRecord, limits: RowLimits): string | undefined {
  if (record.unterminatedQuote) return 'a quoted field is not closed before the end of the input';
  if (record.tooLong) return `record longer than ${limits.maxRecordBytes} bytes`;
  // csv-parse decodes with Buffer#toString, which would replace bad bytes without a word.
  if (!isUtf8(record.bytes)) return 'not valid UTF-8';
  return undefined;
}

/**
 * The field values of each record, in order; throws a CsvError for a record csv-parse rejects.
 * The field count is left to the caller, which compares it with the header: csv-parse would
 * compare it with the first record of the call instead.
 */
export function parseRecords(records: readonly FramedRecord[]): string[][] {
  return parse(joinedByLineFeed(records), fieldOptions);
}

function joinedByLineFeed(records: readonly FramedRecord[]): Buffer {
  return Buffer.concat(records.flatMap((record) => [record.bytes, lineFeed]));
}

export function isCsvError(error: unknown): error is CsvError {
  return error instanceof CsvError;
}

/** csv-parse's reason in the row's own terms: its messages count lines within the record, not the file. */
export function describeCsvError(error: CsvError, columns: readonly string[]): string {
  switch (error.code) {
    case 'INVALID_OPENING_QUOTE':
      return `${fieldLabel(error, columns)}: a quote inside an unquoted field (quote the whole field and double the quotes in it)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `${fieldLabel(error, columns)}: text after the closing quote of a quoted field (double a quote that belongs to the value)`;
    default:
      return error.message;
  }
}

/** The field by its header name, or by its position from 1 past the header's columns. */
function fieldLabel(error: CsvError, columns: readonly string[]): string {
  const index = error['column'];
  if (typeof index !== 'number') return 'a field';
  const name = columns[index];
  return name === undefined ? `field ${index + 1}` : `field "${name}"`;
}
