import { positionalColumnNames, rfc4180Dialect, settleCsvDialect, type CsvDialect, type CsvOptions } from '@import-jobs/domain';
import { findSplits } from '../find-splits';
import type { RowResult } from '../row-result';
import { bytesOf, chunksOf, collect } from '../testing/byte-chunks';
import { detectDelimiter, detectEncoding } from './detect-dialect';
import { readCsvRows } from './read-csv-rows';

type Row = { line: number; record: Record<string, unknown> } | { line: number; reason: string };

function summary(rows: RowResult[]): Row[] {
  return rows.map((row) => (row.ok ? { line: row.line, record: row.record } : { line: row.line, reason: row.reason }));
}

/** The dialect a caller's options give, with what the file says standing in for each `auto`. */
function dialectOf(options: CsvOptions, found: Partial<{ delimiter: string; encoding: CsvDialect['encoding'] }> = {}): CsvDialect {
  return settleCsvDialect(options, { delimiter: ',', encoding: 'utf-8', ...found });
}

async function rowsOf(input: string | Uint8Array, dialect: CsvDialect, header: readonly string[] | 'first-record' = 'first-record', sizes?: number[]): Promise<Row[]> {
  return summary(await collect(readCsvRows(chunksOf(input, sizes), { header, firstLine: 1, dialect })));
}

// Each case is a file as a spreadsheet or database would export it, and the rows a person reads in it.
describe('CSV dialects', () => {
  it('reads a semicolon-separated export with decimal commas', async () => {
    const file = 'id;price;city\n1;3,50;Lyon\n2;"12,00";"Aix; Marseille"\n';
    expect(await rowsOf(file, dialectOf({ delimiter: ';' }))).toEqual([
      { line: 2, record: { id: '1', price: '3,50', city: 'Lyon' } },
      { line: 3, record: { id: '2', price: '12,00', city: 'Aix; Marseille' } },
    ]);
  });

  it('reads a tab-separated file, where a tab is no blank to trim', async () => {
    const file = 'id\tname\n1\t Ann \n';
    expect(await rowsOf(file, dialectOf({ delimiter: '\t', trim: true }))).toEqual([{ line: 2, record: { id: '1', name: 'Ann' } }]);
  });

  it.each([1, 2, 3, 7])('reads a windows-1252 (Latin-1) file, cut in chunks of %i bytes', async (size) => {
    const file = Buffer.from('id,name\n1,Zoë\n2,Müller €5\n', 'latin1');
    // The euro sign is one byte in windows-1252 (0x80) and none in Latin-1 proper.
    file[file.length - 3] = 0x80;
    expect(await rowsOf(file, dialectOf({ encoding: 'windows-1252' }), 'first-record', [size])).toEqual([
      { line: 2, record: { id: '1', name: 'Zoë' } },
      { line: 3, record: { id: '2', name: 'Müller €5' } },
    ]);
  });

  it.each([
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\r\n1,Zoë\r\n2,"a,b"\r\n', 'utf16le')])],
    ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('id,name\r\n1,Zoë\r\n2,"a,b"\r\n', 'utf16le').swap16()])],
  ] as const)('reads a %s file with its byte order mark, whatever the chunks', async (encoding, file) => {
    for (const size of [1, 3, 1024]) {
      expect(await rowsOf(file, dialectOf({ encoding }), 'first-record', [size])).toEqual([
        { line: 2, record: { id: '1', name: 'Zoë' } },
        { line: 3, record: { id: '2', name: 'a,b' } },
      ]);
    }
  });

  it('keeps a stray quote in an unquoted field when quotes are relaxed, and fails its row when they are not', async () => {
    const file = 'place,position\nSFO,37°36\'37.8"N\n';
    expect(await rowsOf(file, dialectOf({ relaxQuotes: true }))).toEqual([{ line: 2, record: { place: 'SFO', position: '37°36\'37.8"N' } }]);
    expect(await rowsOf(file, dialectOf({ relaxQuotes: false }))).toEqual([
      { line: 2, reason: 'field "position": a quote inside an unquoted field (quote the whole field and double the quotes in it)' },
    ]);
  });

  it('reads a backslash-escaped export, as MySQL writes one', async () => {
    const file = 'id,note\n1,"say \\"hi\\", then \\\\ go"\n';
    expect(await rowsOf(file, dialectOf({ escape: '\\' }))).toEqual([{ line: 2, record: { id: '1', note: 'say "hi", then \\ go' } }]);
  });

  it("reads single quotes, doubled inside a field, when they are the file's quotes", async () => {
    expect(await rowsOf("id,name\n1,'O''Brien, Pat'\n", dialectOf({ quote: "'" }))).toEqual([{ line: 2, record: { id: '1', name: "O'Brien, Pat" } }]);
  });

  it('reads every quote as data when nothing is quoted', async () => {
    expect(await rowsOf('id,size\n1,12"\n', dialectOf({ quote: null }))).toEqual([{ line: 2, record: { id: '1', size: '12"' } }]);
  });

  it('trims blanks around fields and around their quotes', async () => {
    expect(await rowsOf('id , name\n 1 ,  "Ann, B"  \n', dialectOf({ trim: true }))).toEqual([{ line: 2, record: { id: '1', name: 'Ann, B' } }]);
  });

  it('keeps an empty line as a record when empty lines are not skipped', async () => {
    expect(await rowsOf('note\nfirst\n\nthird\n', dialectOf({ skipEmptyLines: false }))).toEqual([
      { line: 2, record: { note: 'first' } },
      { line: 3, record: { note: '' } },
      { line: 4, record: { note: 'third' } },
    ]);
    expect(await rowsOf('note\nfirst\n\nthird\n', dialectOf({ skipEmptyLines: true }))).toEqual([
      { line: 2, record: { note: 'first' } },
      { line: 4, record: { note: 'third' } },
    ]);
  });

  it('reads a file without a header row under numbered columns, its first record a row, whatever the pieces', async () => {
    const file = '1,ann\n2,bob\n3,cy\n';
    const dialect = dialectOf({ header: false });
    const plan = await findSplits(chunksOf(file), { format: 'CSV', targetPieceBytes: 7, csv: { dialect, header: 'numbered' } });
    expect(plan.csvHeader).toEqual(positionalColumnNames(2));
    const pieces = await Promise.all(
      plan.splits.map((split) => rowsOf(bytesOf(file).subarray(split.start, split.end), dialect, plan.csvHeader).then((rows) => rows.map((row) => ({ ...row, line: row.line + split.firstLine - 1 })))),
    );
    expect(pieces.flat()).toEqual([
      { line: 1, record: { column1: '1', column2: 'ann' } },
      { line: 2, record: { column1: '2', column2: 'bob' } },
      { line: 3, record: { column1: '3', column2: 'cy' } },
    ]);
  });

  it('cuts a semicolon file only where a record starts, quoted line ends and delimiters included', async () => {
    const file = 'a;b\n1;"x;\ny"\n2;z\n3;w\n';
    const dialect = dialectOf({ delimiter: ';' });
    const plan = await findSplits(chunksOf(file, [2]), { format: 'CSV', targetPieceBytes: 3, csv: { dialect, header: 'first-record' } });
    expect(plan.csvHeader).toEqual(['a', 'b']);
    const starts = plan.splits.map((split) => file.slice(split.start, split.start + 2));
    expect(starts).toEqual(['1;', '2;', '3;']);
  });

  it('is RFC 4180 in UTF-8 when no dialect is given, as before dialects existed', async () => {
    expect(await rowsOf('a,b\n1,"2"\n', rfc4180Dialect)).toEqual([{ line: 2, record: { a: '1', b: '2' } }]);
  });
});

describe("finding a file's dialect from its first bytes", () => {
  it.each([
    ['a UTF-8 byte order mark', Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62]), 'utf-8'],
    ['a UTF-16LE byte order mark', Buffer.from([0xff, 0xfe, 0x61, 0x00]), 'utf-16le'],
    ['a UTF-16BE byte order mark', Buffer.from([0xfe, 0xff, 0x00, 0x61]), 'utf-16be'],
    ['UTF-16LE without a mark', Buffer.from('id,name\n1,ann\n', 'utf16le'), 'utf-16le'],
    ['UTF-16BE without a mark', Buffer.from('id,name\n1,ann\n', 'utf16le').swap16(), 'utf-16be'],
    ['plain ASCII', bytesOf('id,name\n1,ann\n'), 'utf-8'],
    ['UTF-8 cut in the middle of a character', bytesOf('id,name\n1,Zoë').subarray(0, -1), 'utf-8'],
    ['Latin-1', Buffer.from('id,name\n1,Zoë\n', 'latin1'), 'windows-1252'],
    ['UTF-8 with one corrupt byte', Buffer.concat([Buffer.from('id,name\n1,Zoë\n2,'), Buffer.from([0xc3, 0x28])]), 'utf-8'],
    ['a binary file with NULs', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0xff]), 'utf-8'],
  ])('tells the encoding from %s', (_, sample, encoding) => {
    expect(detectEncoding(sample)).toBe(encoding);
  });

  it.each([
    ['commas', 'id,name,city\n1,ann,Lyon\n2,bob,Aix\n', ','],
    ['semicolons with decimal commas', 'id;price\n1;3,50\n2;4,25\n3;1,00\n', ';'],
    ['tabs', 'id\tname\n1\tann, b\n', '\t'],
    ['pipes', 'id|name\n1|ann\n', '|'],
    ['commas, with a semicolon inside quotes', 'id,note\n1,"a;b;c"\n2,"d;e;f"\n', ','],
    ['one column', 'id\n1\n2\n', ','],
  ])('tells the delimiter of a file of %s', (_, text, delimiter) => {
    expect(detectDelimiter(text, '"')).toBe(delimiter);
  });
});
