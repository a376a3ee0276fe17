import { ValidationError } from '../errors';

/** The encodings a CSV file may be in. `windows-1252` reads Latin-1 too: it is Latin-1 with printable characters where Latin-1 has control codes. */
export const csvEncodings = ['utf-8', 'windows-1252', 'utf-16le', 'utf-16be'] as const;
export type CsvEncoding = (typeof csvEncodings)[number];

/**
 * How a CSV file is written, as the caller says it (csv-parse's, DuckDB's and Spark's options, by
 * their usual names). Every field may be left out; `'auto'` is settled from the file's first bytes.
 */
export interface CsvOptions {
  /** One ASCII character between fields, or `'auto'`: the one of `,` `;` tab `|` that splits the first lines evenly. */
  readonly delimiter?: string;
  /** The character that quotes a field, or `null` when no field is quoted. */
  readonly quote?: string | null;
  /** Inside a quoted field, the character that makes the next quote part of the value: the quote itself (RFC 4180's `""`) or, say, `\`. */
  readonly escape?: string;
  /** `'auto'`: a byte order mark says, else UTF-8 when the first bytes are valid UTF-8, else windows-1252. */
  readonly encoding?: CsvEncoding | 'auto';
  /** `true`: the first record names the columns; `false`: there is no header, columns are `column1`, `column2`, …; or the names themselves. */
  readonly header?: boolean | readonly string[];
  /** A quote inside an unquoted field (`37°36'37.8"N`) is part of the value rather than a row failure. */
  readonly relaxQuotes?: boolean;
  /** Blank lines are skipped; when false, a blank line is a record of one empty field. */
  readonly skipEmptyLines?: boolean;
  /** Spaces and tabs around a field (and around its quotes) are dropped. */
  readonly trim?: boolean;
}

/**
 * What a user with a spreadsheet export expects: the delimiter and the encoding found from the
 * file, a header row, `"` quotes doubled inside a field, a stray quote in an unquoted field kept.
 */
export const defaultCsvOptions = {
  delimiter: 'auto',
  quote: '"',
  escape: '"',
  encoding: 'auto',
  header: true,
  relaxQuotes: true,
  skipEmptyLines: true,
  trim: false,
} as const satisfies Required<CsvOptions>;

/** A file's dialect once nothing is `'auto'`: the planner settles it per file, and every reader of the file applies it. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string | null;
  readonly escape: string | null;
  readonly encoding: CsvEncoding;
  readonly relaxQuotes: boolean;
  readonly skipEmptyLines: boolean;
  readonly trim: boolean;
}

/** RFC 4180: comma, `"` doubled inside quotes, UTF-8, no quote outside a quoted field. */
export const rfc4180Dialect: CsvDialect = { delimiter: ',', quote: '"', escape: '"', encoding: 'utf-8', relaxQuotes: false, skipEmptyLines: true, trim: false };

const maxHeaderNames = 10_000;
const maxHeaderChars = 64 * 1024;

/** Checks what a caller sent as `csv`, naming the field at fault. */
export function validateCsvOptions(options: CsvOptions, field = 'csv'): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ValidationError(field, 'must be an object');
  const known = new Set(Object.keys(defaultCsvOptions));
  for (const key of Object.keys(options)) if (!known.has(key)) throw new ValidationError(`${field}.${key}`, `is not a CSV option (${[...known].join(', ')})`);
  const { delimiter, quote, escape, encoding, header } = options;
  if (delimiter !== undefined && delimiter !== 'auto') checkSyntaxCharacter(`${field}.delimiter`, delimiter);
  if (quote !== undefined && quote !== null) checkSyntaxCharacter(`${field}.quote`, quote);
  if (escape !== undefined) checkSyntaxCharacter(`${field}.escape`, escape);
  if (encoding !== undefined && encoding !== 'auto' && !(csvEncodings as readonly string[]).includes(encoding)) {
    throw new ValidationError(`${field}.encoding`, `must be "auto" or one of ${csvEncodings.join(', ')}`);
  }
  if (header !== undefined && typeof header !== 'boolean') {
    if (!Array.isArray(header) || header.length === 0 || header.length > maxHeaderNames || !header.every((name) => typeof name === 'string')) {
      throw new ValidationError(`${field}.header`, `must be true, false or a list of 1 to ${maxHeaderNames} column names`);
    }
    // The names travel in every piece's work item and in the plan, like a header read from a file.
    if (JSON.stringify(header).length > maxHeaderChars) throw new ValidationError(`${field}.header`, `its names take at most ${maxHeaderChars} characters of JSON`);
  }
  for (const flag of ['relaxQuotes', 'skipEmptyLines', 'trim'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new ValidationError(`${field}.${flag}`, 'must be true or false');
  }
  const settledQuote = quote === undefined ? defaultCsvOptions.quote : quote;
  const chosen = [delimiter === 'auto' ? undefined : delimiter, settledQuote ?? undefined].filter((character) => character !== undefined);
  if (new Set(chosen).size !== chosen.length) throw new ValidationError(`${field}.delimiter`, 'must differ from the quote');
  if (escape !== undefined && escape === delimiter) throw new ValidationError(`${field}.escape`, 'must differ from the delimiter');
}

/**
 * One ASCII character that can mark fields in a line: a line end or a NUL could not, and a
 * character beyond ASCII would be two to four bytes of UTF-8, which the byte scanner and the
 * planner's cuts treat one byte at a time.
 */
function checkSyntaxCharacter(field: string, character: unknown): void {
  if (typeof character !== 'string' || character.length !== 1) throw new ValidationError(field, 'must be one character');
  const code = character.charCodeAt(0);
  if (code > 0x7e || (code < 0x20 && character !== '\t')) throw new ValidationError(field, 'must be a printable ASCII character or a tab');
}

/** The dialect for a file, with what was found in its first bytes standing in for each `'auto'`. */
export function settleCsvDialect(options: CsvOptions, found: { readonly delimiter: string; readonly encoding: CsvEncoding }): CsvDialect {
  const given = { ...defaultCsvOptions, ...options };
  const quote = given.quote;
  return {
    delimiter: given.delimiter === 'auto' ? found.delimiter : given.delimiter,
    quote,
    // An escape left out is the quote itself, whichever quote was chosen: RFC 4180's doubling.
    escape: quote === null ? null : (options.escape ?? quote),
    encoding: given.encoding === 'auto' ? found.encoding : given.encoding,
    relaxQuotes: given.relaxQuotes,
    skipEmptyLines: given.skipEmptyLines,
    trim: given.trim,
  };
}

/** Column names for a file without a header row, as many as its first record has fields. */
export function positionalColumnNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `column${index + 1}`);
}
