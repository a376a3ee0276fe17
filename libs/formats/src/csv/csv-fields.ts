import { isUtf8 } from 'node:buffer';
import { rfc4180Dialect, type CsvDialect } from '@import-jobs/domain';
import type { FramedRecord } from '../framing/record-framer';
import type { RowLimits } from '../row-result';


/** Why a framed record cannot be parsed at all, before its fields are looked at. */
export function recordProblem(record: FramedRecord, limits: RowLimits, dialect: CsvDialect = rfc4180Dialect): string | undefined {
  if (record.unterminatedQuote) return 'a quoted field is not closed before the end of the input';
  if (record.tooLong) return `record longer than ${limits.maxRecordBytes} bytes`;
  // Checked on the bytes: decoding would replace bad bytes with U+FFFD without a word. A UTF-16
  // file reaches the scanner transcoded, and windows-1252 decodes every byte.
  if (dialect.encoding === 'utf-8' && !isUtf8(record.bytes)) return 'not valid UTF-8 (say the file\'s encoding in csv.encoding)';
  return undefined;
}

/** Bad RFC 4180 quoting in one field of a record; `column` counts from 0. */
export interface QuotingProblem {
  readonly kind: 'quote inside unquoted field' | 'text after closing quote';
  readonly column: number;
}

/** A framed record that `recordProblem` passed, as text. */
export function recordText({ bytes }: FramedRecord, dialect: CsvDialect = rfc4180Dialect): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dialect.encoding === 'windows-1252' ? windows1252Text(buffer) : buffer.toString('utf8');
}

// What windows-1252 puts at 0x80–0x9F, where Latin-1 has control codes (WHATWG's table; the five
// bytes it leaves undefined stay the control codes). Node 20's TextDecoder reads the label as
// Latin-1, so the table is applied here rather than trusted to the runtime.
const windows1252High = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function windows1252Text(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1');
  return /[\u0080-\u009F]/.test(latin1) ? latin1.replace(/[\u0080-\u009F]/g, (control) => windows1252High[control.charCodeAt(0) - 0x80]!) : latin1;
}

/**
 * The field values of one framed record's text (line end removed, quotes balanced, as the
 * scanner frames it), or the first field whose quoting breaks the dialect: a quote inside an
 * unquoted field (unless `relaxQuotes`), or anything but the delimiter after a closing quote. The
 * field count is left to the caller, which compares it with the header.
 *
 * Fields are split here rather than by a CSV library because the scanner has already done the
 * hard part (record ends, quoted line breaks, line numbers, size limits): what is left is a split
 * on the delimiter, done by the engine itself for the common record with no quote at all. This runs
 * several times faster than csv-parse on the same records (see bench/RESULTS.md) and gives the
 * same fields and the same verdict on every record (csv-fields.unit.spec.ts checks it against
 * csv-parse on arbitrary input, in every dialect).
 */
export function splitFields(text: string, dialect: CsvDialect = rfc4180Dialect): string[] | QuotingProblem {
  const { delimiter, quote, escape, trim, relaxQuotes } = dialect;
  if ((quote === null || !text.includes(quote)) && !trim) return text.split(delimiter);
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    const column = fields.length;
    if (trim) index = skipBlanks(text, index, delimiter);
    if (quote !== null && text[index] === quote) {
      let value = '';
      let from = index + 1;
      for (;;) {
        const closing = nextQuoteOrEscape(text, from, quote, escape);
        // The scanner ends a record only outside quotes, so a quote opened here is closed.
        if (closing === -1) return { kind: 'text after closing quote', column };
        const next = text[closing + 1];
        if (text[closing] !== quote || (escape === quote && next === quote)) {
          // An escape makes the character after it part of the value, whatever it is (as csv-parse reads it).
          value += text.slice(from, closing) + (next ?? '');
          from = closing + 2;
          continue;
        }
        value += text.slice(from, closing);
        index = closing + 1;
        break;
      }
      if (trim) index = skipBlanks(text, index, delimiter);
      if (index < text.length && text[index] !== delimiter) {
        if (!relaxQuotes || trim) return { kind: 'text after closing quote', column };
        // Relaxed, as csv-parse reads it: the quotes stay in the value, around what they held, and the text after them follows.
        const next = text.indexOf(delimiter, index);
        const end = next === -1 ? text.length : next;
        value = quote + value + quote + text.slice(index, end);
        index = end;
      }
      fields.push(value);
      if (index === text.length) return fields;
      index++;
    } else {
      const next = text.indexOf(delimiter, index);
      const end = next === -1 ? text.length : next;
      const value = text.slice(index, end);
      if (!relaxQuotes && quote !== null && value.includes(quote)) return { kind: 'quote inside unquoted field', column };
      fields.push(trim ? trimBlanks(value, delimiter) : value);
      if (next === -1) return fields;
      index = next + 1;
    }
  }
}

function nextQuoteOrEscape(text: string, from: number, quote: string, escape: string | null): number {
  const nextQuote = text.indexOf(quote, from);
  if (escape === null || escape === quote) return nextQuote;
  const nextEscape = text.indexOf(escape, from);
  if (nextEscape === -1) return nextQuote;
  return nextQuote === -1 ? nextEscape : Math.min(nextQuote, nextEscape);
}

function isBlankCharacter(character: string | undefined, delimiter: string): boolean {
  return character === ' ' || (character === '\t' && delimiter !== '\t');
}

function skipBlanks(text: string, index: number, delimiter: string): number {
  while (isBlankCharacter(text[index], delimiter)) index++;
  return index;
}

function trimBlanks(value: string, delimiter: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isBlankCharacter(value[start], delimiter)) start++;
  while (end > start && isBlankCharacter(value[end - 1], delimiter)) end--;
  return value.slice(start, end);
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
