import { CsvError, parse } from 'csv-parse/sync';
import * as fc from 'fast-check';
import type { CsvDialect } from '@import-jobs/domain';
import { RecordFramer } from '../framing/record-framer';
import { rowLimits } from '../row-result';
import { describeQuotingProblem, isQuotingProblem, splitFields, type QuotingProblem } from './csv-fields';
import { CsvScanner } from './csv-scanner';

// splitFields replaced csv-parse for speed (bench/RESULTS.md). csv-parse stays the reference: on
// any record the scanner can frame, both must give the same fields, or reject the same field.

/** csv-parse as the readers used to call it, on one record, in the dialect's terms. */
function csvParseFields(text: string, dialect?: CsvDialect): string[] | QuotingProblem | 'quote not closed' {
  const dialectOptions = dialect && {
    delimiter: dialect.delimiter,
    quote: dialect.quote ?? false,
    ...(dialect.escape !== null && { escape: dialect.escape }),
    relax_quotes: dialect.relaxQuotes,
    trim: dialect.trim,
  };
  try {
    const records = parse(text, { bom: false, record_delimiter: '\n', max_record_size: 0, skip_empty_lines: false, relax_column_count: true, ...dialectOptions }) as string[][];
    // Trimming, csv-parse reads a line of blanks as no record at all; the readers skip it as a blank line.
    if (records.length === 0 && dialect?.trim && /^[ \t]+$/.test(text)) return [''];
    if (records.length !== 1) throw new Error(`csv-parse read ${records.length} records from one: ${JSON.stringify(text)}`);
    return records[0] as string[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const column = (error as CsvError & { column: number }).column;
    if (error.code === 'INVALID_OPENING_QUOTE') return { kind: 'quote inside unquoted field', column };
    if (error.code === 'CSV_INVALID_CLOSING_QUOTE' || error.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') return { kind: 'text after closing quote', column };
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') return 'quote not closed';
    throw error;
  }
}

/**
 * Records as the scanner frames them: not empty, no line end outside quotes, every quote that
 * opens a field closed. Built from fields, each quoted (possibly badly) or not.
 */
const character = fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', 'é', '😀', '\uFEFF');
// A quote first would open a quoted field, so an unquoted one holds quotes only further on.
const unquoted = fc
  .tuple(fc.constantFrom('a', ' ', 'é'), fc.array(fc.constantFrom('a', 'b', ' ', '"', 'é'), { maxLength: 4 }))
  .map(([first, rest]) => first + rest.join(''));
const quoted = fc
  .tuple(fc.array(character, { maxLength: 5 }), fc.array(fc.constantFrom('x', ' ', 'x"'), { maxLength: 1 }))
  .map(([inside, after]) => `"${inside.join('').replaceAll('"', '""')}"${after.join('')}`);
const record = fc
  .array(fc.oneof(fc.constant(''), unquoted, quoted), { minLength: 1, maxLength: 5 })
  .map((fields) => fields.join(','))
  .filter((text) => text.length > 0);

describe('splitFields', () => {
  it('gives the fields, or rejects the field, that csv-parse does, on any framed record', () => {
    fc.assert(
      fc.property(record, (text) => {
        expect(splitFields(text)).toEqual(csvParseFields(text));
      }),
      { numRuns: 2000 },
    );
  });

  const dialect = fc.record<CsvDialect>({
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    quote: fc.constantFrom('"', "'", null),
    escape: fc.constantFrom('same as quote', '\\'),
    encoding: fc.constant('utf-8'),
    relaxQuotes: fc.boolean(),
    skipEmptyLines: fc.constant(true),
    trim: fc.boolean(),
  }).map((picked) => ({ ...picked, escape: picked.quote === null ? null : picked.escape === 'same as quote' ? picked.quote : picked.escape }));

  it('gives the fields, or rejects the field, that csv-parse does, on any record the scanner frames, in every dialect', () => {
    const anyText = fc.array(fc.constantFrom('a', ' ', '\t', ',', ';', '|', '"', "'", '\\', '\n', 'é'), { minLength: 1, maxLength: 12 }).map((characters) => characters.join(''));
    fc.assert(
      fc.property(dialect, anyText, (picked, text) => {
        // Only what the scanner frames as one whole record reaches splitFields.
        const framer = new RecordFramer(new CsvScanner(1, picked), rowLimits({}), false);
        const records = [...framer.push(Buffer.from(text)), ...framer.finish()];
        const [only] = records;
        fc.pre(records.length === 1 && only !== undefined && !only.unterminatedQuote && only.byteLength === Buffer.byteLength(text));
        const expected = csvParseFields(text, picked);
        // Both must reject the same records; which of its quoting errors csv-parse names for a
        // record that breaks several rules at once is its own (the RFC 4180 property above checks
        // the kind too). A quote csv-parse sees as still open, it would follow past the line end:
        // by design the scanner keeps that damage on its own line, and both reject the record.
        if (expected === 'quote not closed' || isQuotingProblem(expected)) expect(isQuotingProblem(splitFields(text, picked))).toBe(true);
        else expect(splitFields(text, picked)).toEqual(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it.each<[string, string[]]>([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,', ['a', '', '']],
    ['"a,b","c""d",e', ['a,b', 'c"d', 'e']],
    ['"x\r\ny",""', ['x\r\ny', '']],
    [' a , b ', [' a ', ' b ']],
  ])('splits %j', (text, fields) => {
    expect(splitFields(text)).toEqual(fields);
  });

  it.each<[string, string]>([
    ['a,b"c,d', 'field "y": a quote inside an unquoted field (quote the whole field and double the quotes in it)'],
    ['"a"b,c', 'field "x": text after the closing quote of a quoted field (double a quote that belongs to the value)'],
    ['a,b,c,"d" ', 'field 4: text after the closing quote of a quoted field (double a quote that belongs to the value)'],
  ])('names the field whose quoting is wrong in %j', (text, reason) => {
    const fields = splitFields(text);
    if (!isQuotingProblem(fields)) throw new Error(`expected a quoting problem, got ${JSON.stringify(fields)}`);
    expect(describeQuotingProblem(fields, ['x', 'y', 'z'])).toBe(reason);
  });
});
