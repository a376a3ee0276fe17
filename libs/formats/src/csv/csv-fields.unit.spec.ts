import { CsvError, parse } from 'csv-parse/sync';
import * as fc from 'fast-check';
import { describeQuotingProblem, isQuotingProblem, splitFields, type QuotingProblem } from './csv-fields';

// splitFields replaced csv-parse for speed (bench/RESULTS.md). csv-parse stays the reference: on
// any record the scanner can frame, both must give the same fields, or reject the same field.

/** csv-parse as the readers used to call it, on one record. */
function csvParseFields(text: string): string[] | QuotingProblem {
  try {
    const records = parse(text, { bom: false, record_delimiter: '\n', max_record_size: 0, skip_empty_lines: false, relax_column_count: true }) as string[][];
    if (records.length !== 1) throw new Error(`csv-parse read ${records.length} records from one: ${JSON.stringify(text)}`);
    return records[0] as string[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const column = (error as CsvError & { column: number }).column;
    if (error.code === 'INVALID_OPENING_QUOTE') return { kind: 'quote inside unquoted field', column };
    if (error.code === 'CSV_INVALID_CLOSING_QUOTE') return { kind: 'text after closing quote', column };
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
