import { isUtf8 } from 'node:buffer';
import type { FramedRecord } from '../framing/record-framer';
import type { RowLimits } from '../row-result';

const quote = 0x22;
const comma = 0x2c;

/** Why a framed record cannot be parsed at all, before its fields are looked at. */
export function recordProblem(record: FramedRecord, limits: RowLimits): string | undefined {
  if (record.unterminatedQuote) return 'a quoted field is not closed before the end of the input';
  if (record.tooLong) return `record longer than ${limits.maxRecordBytes} bytes`;
  // Checked on the bytes: decoding would replace bad bytes with U+FFFD without a word.
  if (!isUtf8(record.bytes)) return 'not valid UTF-8';
  return undefined;
}

/** Bad RFC 4180 quoting in one field of a record; `column` counts from 0. */
export interface QuotingProblem {
  readonly kind: 'quote inside unquoted field' | 'text after closing quote';
  readonly column: number;
}

/** A framed record that `recordProblem` passed, as text. */
export function recordText({ bytes }: FramedRecord): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * The field values of one framed record's text (line end removed, quotes balanced, as the
 * scanner frames it), or the first field whose quoting breaks RFC 4180: a quote inside an
 * unquoted field, or anything but a comma after a closing quote. The field count is left to the
 * caller, which compares it with the header.
 *
 * Fields are split here rather than by a CSV library because the scanner has already done the
 * hard part (record ends, quoted line breaks, line numbers, size limits): what is left is a split
 * on commas, done by the engine itself for the common record with no quote at all. This runs
 * several times faster than csv-parse on the same records (see bench/RESULTS.md) and gives the
 * same fields and the same verdict on every record (csv-fields.unit.spec.ts checks it against
 * csv-parse on arbitrary input).
 */
export function splitFields(text: string): string[] | QuotingProblem {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    const column = fields.length;
    if (text.charCodeAt(index) === quote) {
      let value = '';
      let from = index + 1;
      for (;;) {
        const closing = text.indexOf('"', from);
        // The scanner ends a record only outside quotes, so a quote opened here is closed.
        if (closing === -1) return { kind: 'text after closing quote', column };
        if (text.charCodeAt(closing + 1) === quote) {
          value += text.slice(from, closing + 1);
          from = closing + 2;
          continue;
        }
        value += text.slice(from, closing);
        index = closing + 1;
        break;
      }
      fields.push(value);
      if (index === text.length) return fields;
      if (text.charCodeAt(index) !== comma) return { kind: 'text after closing quote', column };
      index++;
    } else {
      const next = text.indexOf(',', index);
      const end = next === -1 ? text.length : next;
      const value = text.slice(index, end);
      if (value.includes('"')) return { kind: 'quote inside unquoted field', column };
      fields.push(value);
      if (next === -1) return fields;
      index = next + 1;
    }
  }
}

export function isQuotingProblem(fields: string[] | QuotingProblem): fields is QuotingProblem {
  return !Array.isArray(fields);
}

/** The quoting problem in the row's own terms, naming the field by its header name when it has one. */
export function describeQuotingProblem({ kind, column }: QuotingProblem, columns: readonly string[]): string {
  const name = columns[column];
  const field = name === undefined ? `field ${column + 1}` : `field "${name}"`;
  return kind === 'quote inside unquoted field'
    ? `${field}: a quote inside an unquoted field (quote the whole field and double the quotes in it)`
    : `${field}: text after the closing quote of a quoted field (double a quote that belongs to the value)`;
}
