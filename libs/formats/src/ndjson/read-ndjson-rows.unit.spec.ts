import { truncationMarker, type RowResult } from '../row-result';
import { bytesOf, chunksOf, collect } from '../testing/byte-chunks';
import { readNdjsonRows, type NdjsonReadOptions } from './read-ndjson-rows';

type Row = { line: number; record: Record<string, unknown> } | { line: number; reason: string };

function summary(rows: RowResult[]): Row[] {
  return rows.map((row) => (row.ok ? { line: row.line, record: row.record } : { line: row.line, reason: row.reason }));
}

async function read(input: string | Uint8Array, options: Partial<NdjsonReadOptions> = {}, sizes?: number[]): Promise<RowResult[]> {
  return collect(readNdjsonRows(chunksOf(input, sizes), { firstLine: 1, ...options }));
}

const invalidUtf8Line = Buffer.concat([bytesOf('{"a":"'), Buffer.from([0xff, 0xfe]), bytesOf('"}\n{"b":2}\n')]);
const overlongEncoding = Buffer.concat([bytesOf('{"a":"'), Buffer.from([0xc0, 0xaf]), bytesOf('"}\n')]);

describe('readNdjsonRows', () => {
  it.each<[string, string | Uint8Array, Row[]]>([
    ['objects, one per line', '{"a":1}\n{"b":{"c":[1,2]}}\n', [
      { line: 1, record: { a: 1 } },
      { line: 2, record: { b: { c: [1, 2] } } },
    ]],
    ['no trailing line end', '{"a":1}\n{"b":2}', [
      { line: 1, record: { a: 1 } },
      { line: 2, record: { b: 2 } },
    ]],
    ['CRLF line ends', '{"a":1}\r\n{"b":2}\r\n', [
      { line: 1, record: { a: 1 } },
      { line: 2, record: { b: 2 } },
    ]],
    ['blank and whitespace-only lines are skipped, and counted', '\n{"a":1}\n\n  \t\r\n{"b":2}\n\n', [
      { line: 2, record: { a: 1 } },
      { line: 5, record: { b: 2 } },
    ]],
    ['a byte order mark at byte 0 is dropped', '\uFEFF{"a":1}\n', [{ line: 1, record: { a: 1 } }]],
    ['U+FEFF starting a later line is not a byte order mark', '{"a":1}\n\uFEFF{"b":2}\n', [
      { line: 1, record: { a: 1 } },
      { line: 2, reason: 'invalid JSON: Unexpected token \'\uFEFF\', "\uFEFF{"b":2}" is not valid JSON' },
    ]],
    ['multi-byte characters', '{"s":"é€😀"}\n', [{ line: 1, record: { s: 'é€😀' } }]],
    ['an array', '[1,2]\n{"a":1}\n', [
      { line: 1, reason: 'expected a JSON object, found an array' },
      { line: 2, record: { a: 1 } },
    ]],
    ['scalars and null', '42\n"s"\ntrue\nnull\n', [
      { line: 1, reason: 'expected a JSON object, found a number' },
      { line: 2, reason: 'expected a JSON object, found a string' },
      { line: 3, reason: 'expected a JSON object, found a boolean' },
      { line: 4, reason: 'expected a JSON object, found null' },
    ]],
    ['trailing garbage', '{"a":1} x\n{"a":1}{"b":2}\n', [
      // V8's own words, to which Node 22 and later add the line and column.
      { line: 1, reason: expect.stringMatching(/^invalid JSON: Unexpected non-whitespace character after JSON at position 8\b/) },
      { line: 2, reason: expect.stringMatching(/^invalid JSON: Unexpected non-whitespace character after JSON at position 7\b/) },
    ]],
    ['a truncated object', '{"a":\n', [{ line: 1, reason: 'invalid JSON: Unexpected end of JSON input' }]],
    ['invalid UTF-8 fails its line, not the stream', invalidUtf8Line, [
      { line: 1, reason: 'not valid UTF-8' },
      { line: 2, record: { b: 2 } },
    ]],
    ['an overlong UTF-8 encoding', overlongEncoding, [{ line: 1, reason: 'not valid UTF-8' }]],
    ['empty input', '', []],
  ])('%s', async (_name, input, expected) => {
    for (const sizes of [undefined, [1], [2, 3, 5]]) expect(summary(await read(input, {}, sizes))).toEqual(expected);
  });

  it('shows an undecodable line with replacement characters in raw', async () => {
    const [row] = await read(invalidUtf8Line);
    expect(row).toEqual({ ok: false, line: 1, reason: 'not valid UTF-8', raw: '{"a":"\uFFFD\uFFFD"}' });
  });

  it('numbers lines from firstLine and keeps U+FEFF when the piece does not start the file', async () => {
    const rows = await read('\uFEFF{"a":1}\n{"b":2}\n', { firstLine: 10 });
    expect(summary(rows)).toEqual([
      { line: 10, reason: 'invalid JSON: Unexpected token \'\uFEFF\', "\uFEFF{"a":1}" is not valid JSON' },
      { line: 11, record: { b: 2 } },
    ]);
  });

  it('keeps raw text of maxRawChars unmarked, and marks one cut from a longer line', async () => {
    expect(await read('{"a":1}\n', { maxRawChars: 7 })).toMatchObject([{ ok: true, raw: '{"a":1}' }]);
    expect(await read('{"a":"xyz"}\n', { maxRecordBytes: 8, maxRawChars: 2 })).toMatchObject([{ ok: false, raw: `{"${truncationMarker}` }]);
    // The reader keeps only maxRawChars * 3 + 3 bytes of a too-long line: a cut there is marked too.
    const [row] = await read(`{"a":"${'x'.repeat(30)}"}\n`, { maxRecordBytes: 8, maxRawChars: 3 });
    expect(row).toMatchObject({ ok: false, raw: `{"a${truncationMarker}` });
  });

  it('gives each row its size and bytes without the line end, and its raw text cut to maxRawChars', async () => {
    const rows = await read(' {"a":1}\r\n{"long":"value"}\n', { maxRawChars: 6 });
    expect(rows).toEqual([
      { ok: true, line: 1, record: { a: 1 }, rawBytes: 8, raw: ` {"a":${truncationMarker}`, lineBytes: expect.any(Uint8Array) },
      { ok: true, line: 2, record: { long: 'value' }, rawBytes: 16, raw: `{"long${truncationMarker}`, lineBytes: expect.any(Uint8Array) },
    ]);
    // The line as written, leading blank kept, CR of the CR LF dropped: what a pass-through job publishes.
    expect(rows.map((row) => row.ok && Buffer.from(row.lineBytes!).toString())).toEqual([' {"a":1}', '{"long":"value"}']);
  });

  it('fails a line longer than maxRecordBytes and goes on with the next', async () => {
    const rows = await read(`{"a":"${'x'.repeat(100)}"}\n{"b":2}\n`, { maxRecordBytes: 16, maxRawChars: 8 }, [7]);
    expect(rows).toEqual([
      { ok: false, line: 1, reason: 'record longer than 16 bytes', raw: `{"a":"xx${truncationMarker}` },
      { ok: true, line: 2, record: { b: 2 }, rawBytes: 7, raw: '{"b":2}', lineBytes: expect.any(Uint8Array) },
    ]);
  });

  it('holds no more than maxRecordBytes of a 64 MiB line', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    async function* input(): AsyncGenerator<Uint8Array> {
      yield bytesOf('{"a":"');
      for (let index = 0; index < 64; index++) yield chunk;
      yield bytesOf('"}\n{"b":2}\n');
    }
    const before = process.memoryUsage().arrayBuffers;
    const rows = await collect(readNdjsonRows(input(), { firstLine: 1 }));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    expect(summary(rows)).toEqual([
      { line: 1, reason: 'record longer than 1048576 bytes' },
      { line: 2, record: { b: 2 } },
    ]);
    expect(rows[0]?.raw).toBe(`{"a":"${'x'.repeat(994)}${truncationMarker}`);
  });

  it('keeps a "__proto__" key as an own property that pollutes nothing', async () => {
    const [row] = await read('{"__proto__":{"polluted":true},"a":1}\n');
    if (!row?.ok) throw new Error('expected a record');
    expect(Object.getPrototypeOf(row.record)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row.record, '__proto__')?.value).toEqual({ polluted: true });
    expect(row.record['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(row.record)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  describe('hostile lines end as a record or a row failure', () => {
    const deepArrays = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const deepObjects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

    it.each([
      ['arrays', deepArrays],
      ['objects', deepObjects],
    ])('fails a record of %s nested 10,000 deep, which would overflow JSON.stringify, and goes on', async (_name, deep) => {
      expect(() => JSON.stringify(JSON.parse(deep))).toThrow(RangeError);
      expect(summary(await read(`${deep}\n{"b":2}\n`))).toEqual([
        { line: 1, reason: 'nested deeper than 64 levels of objects and arrays' },
        { line: 2, record: { b: 2 } },
      ]);
    });

    it('accepts maxNestingDepth levels, counting the record as one, and not one more', async () => {
      const nestedIn = (levels: number): string => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
      expect(summary(await read(`${nestedIn(3)}\n${nestedIn(4)}\n`, { maxNestingDepth: 3 }))).toEqual([
        { line: 1, record: { a: [[]] } },
        { line: 2, reason: 'nested deeper than 3 levels of objects and arrays' },
      ]);
    });

    it('counts no bracket inside a string, escaped quotes included', async () => {
      const brackets = `"\\\\\\"${'[{'.repeat(100)}"`;
      const rows = await read(`{"s":${brackets},"t":[1]}\n`, { maxNestingDepth: 2 });
      expect(summary(rows)).toEqual([{ line: 1, record: { s: `\\"${'[{'.repeat(100)}`, t: [1] } }]);
    });

    it.each<[string, string, Row]>([
      ['keeps integers that are published as written', '{"n":9007199254740991,"m":-9007199254740992,"big":123456789012345680000}', {
        line: 1,
        record: { n: 9007199254740991, m: -9007199254740992, big: 123456789012345680000 },
      }],
      ['refuses an integer a double would change', '{"id":12345678901234567890}', {
        line: 1,
        reason: 'integer 12345678901234567890 would be published as 12345678901234567000, as a double cannot hold it: write it as a string',
      }],
      ['refuses a negative one too', '{"id":[-9007199254740993]}', {
        line: 1,
        reason: 'integer -9007199254740993 would be published as -9007199254740992, as a double cannot hold it: write it as a string',
      }],
      ['refuses a number beyond the range of a double, which would be published as null', '{"x":1e400}', { line: 1, reason: 'number 1e400 is beyond the range of a double' }],
      ['keeps a fraction as its nearest double', '{"pi":3.14159265358979323846264338327950288}', { line: 1, record: { pi: Math.PI } }],
      ['keeps a large number written with an exponent', '{"x":1.5e300,"y":1e-400}', { line: 1, record: { x: 1.5e300, y: 0 } }],
      ['keeps long digit runs inside strings', '{"phone":"123456789012345678901234","e":"1e999"}', { line: 1, record: { phone: '123456789012345678901234', e: '1e999' } }],
      ['keeps the last of duplicate keys, as JSON.parse does, so one value is checked and published', '{"a":1,"a":2}', { line: 1, record: { a: 2 } }],
      ['keeps a lone surrogate escape, which JSON.stringify escapes again', '{"s":"\\ud800"}', { line: 1, record: { s: '\ud800' } }],
      ['keeps an escaped NUL', '{"s":"a\\u0000b"}', { line: 1, record: { s: 'a\u0000b' } }],
      ['refuses a raw NUL byte in a string, which JSON does not allow', '{"s":"a\u0000b"}', {
        line: 1,
        reason: expect.stringMatching(/^invalid JSON: Bad control character in string literal/),
      }],
      ['says why a file whose lines end with a CR alone is one line', '{"a":1}\r{"b":2}\r', {
        line: 1,
        reason: expect.stringMatching(/^invalid JSON: .* \(the line holds a CR: NDJSON lines end with LF\)$/),
      }],
    ])('%s', async (_name, line, expected) => {
      expect(summary(await read(`${line}\n`))).toEqual([expected]);
    });

    it('publishes a lone surrogate and an escaped NUL as escapes, never as replaced bytes', async () => {
      const [row] = await read('{"s":"\\ud800","t":"\\u0000"}\n');
      if (!row?.ok) throw new Error('expected a record');
      expect(JSON.stringify(row.record)).toBe('{"s":"\\ud800","t":"\\u0000"}');
    });

    it('reads a line of almost maxRecordBytes', async () => {
      const value = 'x'.repeat(1024 * 1024 - 10);
      const [row] = await read(`{"a":"${value}"}\n`, {}, [65_536]);
      expect(row).toMatchObject({ ok: true, line: 1, rawBytes: 1024 * 1024 - 2, record: { a: value } });
    });
  });

  it('pulls the next chunk only when the rows of the last one are consumed', async () => {
    let chunksPulled = 0;
    async function* input(): AsyncGenerator<Uint8Array> {
      for (let index = 0; index < 100; index++) {
        chunksPulled++;
        yield bytesOf(`{"n":${index}}\n`);
      }
    }
    const rows = readNdjsonRows(input(), { firstLine: 1 });
    await rows.next();
    await rows.next();
    expect(chunksPulled).toBeLessThanOrEqual(3);
    await rows.return(undefined);
  });
});
