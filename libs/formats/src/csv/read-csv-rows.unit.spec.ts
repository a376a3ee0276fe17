import { truncationMarker, type RowResult } from '../row-result';
import { bytesOf, chunksOf, collect } from '../testing/byte-chunks';
import { CsvHeaderError, validateCsvHeader } from './csv-header';
import { readCsvRows, type CsvReadOptions } from './read-csv-rows';

type Row = { line: number; record: Record<string, unknown> } | { line: number; reason: string };

function summary(rows: RowResult[]): Row[] {
  return rows.map((row) => (row.ok ? { line: row.line, record: row.record } : { line: row.line, reason: row.reason }));
}

async function readFile(input: string | Uint8Array, options: Partial<CsvReadOptions> = {}, sizes?: number[]): Promise<RowResult[]> {
  return collect(readCsvRows(chunksOf(input, sizes), { header: 'first-record', firstLine: 1, ...options }));
}

const badUtf8 = Buffer.concat([bytesOf('a,b\n1,'), Buffer.from([0xc3, 0x28]), bytesOf('\n2,ok\n')]);

describe('readCsvRows', () => {
  it.each<[string, string | Uint8Array, Row[]]>([
    ['plain rows, LF', 'id,name\n1,ann\n2,bob\n', [
      { line: 2, record: { id: '1', name: 'ann' } },
      { line: 3, record: { id: '2', name: 'bob' } },
    ]],
    ['a quoted comma', 'id,name\n1,"Smith, Ann"\n', [{ line: 2, record: { id: '1', name: 'Smith, Ann' } }]],
    ['escaped quotes', 'id,says\n1,"she said ""hi"""\n2,""""\n', [
      { line: 2, record: { id: '1', says: 'she said "hi"' } },
      { line: 3, record: { id: '2', says: '"' } },
    ]],
    ['a quoted LF spans lines, which are counted', 'id,note\n1,"x\ny\nz"\n2,w\n', [
      { line: 2, record: { id: '1', note: 'x\ny\nz' } },
      { line: 5, record: { id: '2', note: 'w' } },
    ]],
    ['a quoted CRLF is kept and counts once', 'id,note\r\n1,"x\r\ny"\r\n2,w\r\n', [
      { line: 2, record: { id: '1', note: 'x\r\ny' } },
      { line: 4, record: { id: '2', note: 'w' } },
    ]],
    ['CRLF line ends', 'a,b\r\n1,2\r\n3,4\r\n', [
      { line: 2, record: { a: '1', b: '2' } },
      { line: 3, record: { a: '3', b: '4' } },
    ]],
    ['mixed LF, CRLF and lone CR line ends', 'a,b\n1,2\r\n3,4\r5,6\n7,8', [
      { line: 2, record: { a: '1', b: '2' } },
      { line: 3, record: { a: '3', b: '4' } },
      { line: 4, record: { a: '5', b: '6' } },
      { line: 5, record: { a: '7', b: '8' } },
    ]],
    ['lone CRs inside a quoted field count as lines', 'a,b\r1,"x\ry"\r2,3', [
      { line: 2, record: { a: '1', b: 'x\ry' } },
      { line: 4, record: { a: '2', b: '3' } },
    ]],
    ['a byte order mark is not part of the first name', '\uFEFFid,name\n1,ann\n', [{ line: 2, record: { id: '1', name: 'ann' } }]],
    ['U+FEFF after byte 0 is data', 'a,b\n\uFEFFx,1\n', [{ line: 2, record: { a: '\uFEFFx', b: '1' } }]],
    ['no trailing line end', 'a,b\n1,2', [{ line: 2, record: { a: '1', b: '2' } }]],
    ['header only', 'a,b\n', []],
    ['header only, no line end', 'a,b', []],
    ['empty file', '', []],
    ['blank lines are skipped, and counted', '\na,b\n\n1,2\r\n\r\n3,4\n\n', [
      { line: 4, record: { a: '1', b: '2' } },
      { line: 6, record: { a: '3', b: '4' } },
    ]],
    ['empty and quoted-empty fields', 'a,b\n"",\n,""\n', [
      { line: 2, record: { a: '', b: '' } },
      { line: 3, record: { a: '', b: '' } },
    ]],
    ['ragged rows fail alone', 'a,b\n1\n1,2,3\n4,5\n', [
      { line: 2, reason: 'expected 2 fields as in the header, found 1' },
      { line: 3, reason: 'expected 2 fields as in the header, found 3' },
      { line: 4, record: { a: '4', b: '5' } },
    ]],
    ['a quote inside an unquoted field fails its row only', 'a,b\n1,x"y\n3,4\n', [
      { line: 2, reason: 'field "b": a quote inside an unquoted field (quote the whole field and double the quotes in it)' },
      { line: 3, record: { a: '3', b: '4' } },
    ]],
    ['a stray quote past the header\'s columns is named by position', 'a,b\n1,2,x"y\n', [
      { line: 2, reason: 'field 3: a quote inside an unquoted field (quote the whole field and double the quotes in it)' },
    ]],
    ['text after a closing quote fails its row only', 'a,b\n"x"y,2\n3,4\n', [
      { line: 2, reason: 'field "a": text after the closing quote of a quoted field (double a quote that belongs to the value)' },
      { line: 3, record: { a: '3', b: '4' } },
    ]],
    ['a quote left open at the end of the input', 'a,b\n1,2\n3,"x\n4,5\n', [
      { line: 2, record: { a: '1', b: '2' } },
      { line: 3, reason: 'a quoted field is not closed before the end of the input' },
    ]],
    ['invalid UTF-8 fails its row, not the stream', badUtf8, [
      { line: 2, reason: "not valid UTF-8 (say the file's encoding in csv.encoding)" },
      { line: 3, record: { a: '2', b: 'ok' } },
    ]],
  ])('%s', async (_name, input, expected) => {
    for (const sizes of [undefined, [1], [2, 3, 5]]) expect(summary(await readFile(input, {}, sizes))).toEqual(expected);
  });

  it('reads a piece with the header it is given and the file line it starts on', async () => {
    const rows = await collect(readCsvRows(chunksOf('1,"a\nb"\n2,c\n'), { header: ['id', 'note'], firstLine: 41 }));
    expect(summary(rows)).toEqual([
      { line: 41, record: { id: '1', note: 'a\nb' } },
      { line: 43, record: { id: '2', note: 'c' } },
    ]);
  });

  it('keeps a byte order mark that starts a piece other than the first as data', async () => {
    const rows = await collect(readCsvRows(chunksOf('\uFEFFx,1\n'), { header: ['a', 'b'], firstLine: 7 }));
    expect(summary(rows)).toEqual([{ line: 7, record: { a: '\uFEFFx', b: '1' } }]);
  });

  it('gives each row its size without the line end and its raw text, cut to maxRawChars', async () => {
    const rows = await readFile('a,b\r\n1,"x,y"\r\nlonger,row\r\n', { maxRawChars: 4 });
    expect(rows).toEqual([
      { ok: true, line: 2, record: { a: '1', b: 'x,y' }, rawBytes: 7, raw: `1,"x${truncationMarker}` },
      { ok: true, line: 3, record: { a: 'longer', b: 'row' }, rawBytes: 10, raw: `long${truncationMarker}` },
    ]);
  });

  it('does not cut a surrogate pair in half when cutting raw text', async () => {
    const [row] = await readFile('a,b\n1\uD83D\uDE00,2,3\n', { maxRawChars: 2 });
    expect(row).toMatchObject({ ok: false, raw: `1${truncationMarker}` });
  });

  it('fails a record longer than maxRecordBytes, keeping its lines counted and the next row', async () => {
    const input = `a,b\n1,${'x'.repeat(50)}\n"${'y\n'.repeat(20)}",2\n3,4\n`;
    const rows = await readFile(input, { maxRecordBytes: 30, maxRawChars: 5 }, [7]);
    expect(rows).toEqual([
      { ok: false, line: 2, reason: 'record longer than 30 bytes', raw: `1,${'x'.repeat(3)}${truncationMarker}` },
      { ok: false, line: 3, reason: 'record longer than 30 bytes', raw: `"y\ny\n${truncationMarker}` },
      { ok: true, line: 24, record: { a: '3', b: '4' }, rawBytes: 3, raw: '3,4' },
    ]);
  });

  it('holds no more than maxRecordBytes of a 32 MiB record', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    async function* input(): AsyncGenerator<Uint8Array> {
      yield bytesOf('a,b\n1,');
      for (let index = 0; index < 32; index++) yield chunk;
      yield bytesOf('\n2,3\n');
    }
    const before = process.memoryUsage().arrayBuffers;
    const rows = await collect(readCsvRows(input(), { header: 'first-record', firstLine: 1, maxRecordBytes: 1024 }));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    expect(summary(rows)).toEqual([
      { line: 2, reason: 'record longer than 1024 bytes' },
      { line: 3, record: { a: '2', b: '3' } },
    ]);
  });

  it('keeps every good row of a large batch around a bad one, in order', async () => {
    const lines = Array.from({ length: 2500 }, (_, index) => (index === 1500 ? 'bad' : `${index},v${index}`));
    const rows = await readFile(`n,v\n${lines.join('\n')}\n`);
    expect(rows).toHaveLength(2500);
    expect(rows.filter((row) => !row.ok)).toEqual([
      { ok: false, line: 1502, reason: 'expected 2 fields as in the header, found 1', raw: 'bad' },
    ]);
    expect(rows.map((row) => row.line)).toEqual(Array.from({ length: 2500 }, (_, index) => index + 2));
  });

  it('makes a "__proto__" column an own field of the record, not its prototype', async () => {
    const [row] = await readFile('__proto__,constructor\n"{""polluted"":1}",x\n');
    if (!row?.ok) throw new Error('expected a record');
    expect(Object.getPrototypeOf(row.record)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row.record, '__proto__')?.value).toBe('{"polluted":1}');
    expect(JSON.parse(JSON.stringify(row.record))).toEqual(JSON.parse('{"__proto__":"{\\"polluted\\":1}","constructor":"x"}'));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['a repeated name', 'a,b,a\n1,2,3\n', 'CSV header: columns 1 and 3 are both named "a"'],
    ['an empty name', 'a,,c\n1,2,3\n', 'CSV header: column 2 has no name'],
    ['a blank name', 'a, \n1,2\n', 'CSV header: column 2 has no name'],
    ['an unclosed quote', 'a,"b\n1,2\n', 'CSV header: a quoted field is not closed before the end of the input'],
    ['a stray quote', 'a,b"c\n1,2\n', 'CSV header: field 2: a quote inside an unquoted field (quote the whole field and double the quotes in it)'],
    ['a NUL in a name', 'a,b\u0000\n1,2\n', 'CSV header: the name of column 2 holds a NUL character (U+0000); is the file UTF-16? Say so in csv.encoding'],
    ['more than 64 KiB', `${'a'.repeat(64 * 1024)},b\n1,2\n`, 'CSV header: longer than 65536 bytes, the most a header may take (it is copied into the work item of every piece)'],
  ])('refuses a header with %s before any row', async (_name, input, message) => {
    const reading = readFile(input);
    await expect(reading).rejects.toThrow(CsvHeaderError);
    await expect(reading).rejects.toThrow(message);
  });

  it('refuses a header it is given when it could not key rows', async () => {
    await expect(collect(readCsvRows(chunksOf('1,2\n'), { header: ['a', 'a'], firstLine: 2 }))).rejects.toThrow(CsvHeaderError);
  });

  it.each<[string[], string | undefined]>([
    [['id', 'name'], undefined],
    [[' id', 'id'], undefined],
    [['Id', 'id'], undefined],
    [[], 'no columns'],
    [['id', ''], 'column 2 has no name'],
    [['id', 'name', 'id'], 'columns 1 and 3 are both named "id"'],
  ])('validateCsvHeader(%j) is %s', (header, reason) => {
    expect(validateCsvHeader(header)).toBe(reason);
  });

  it.each([0, -1, 1.5])('refuses firstLine %s', async (firstLine) => {
    await expect(readFile('a\n1\n', { firstLine })).rejects.toThrow(RangeError);
  });
});
