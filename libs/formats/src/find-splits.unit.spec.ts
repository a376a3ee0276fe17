import { CsvHeaderError } from './csv/csv-header';
import { findSplits, type SplitOptions, type SplitPlan } from './find-splits';
import { chunksOf } from './testing/byte-chunks';

async function plan(input: string, options: SplitOptions): Promise<SplitPlan> {
  const whole = await findSplits(chunksOf(input), options);
  // The plan must not depend on how the bytes arrive.
  for (const sizes of [[1], [2, 5, 3]]) await expect(findSplits(chunksOf(input, sizes), options)).resolves.toEqual(whole);
  return whole;
}

const csv = (targetPieceBytes: number): SplitOptions => ({ format: 'CSV', targetPieceBytes });
const json = (targetPieceBytes: number): SplitOptions => ({ format: 'JSON', targetPieceBytes });

describe('findSplits', () => {
  it.each<[string, string, SplitOptions, SplitPlan]>([
    ['an empty CSV file', '', csv(10), { splits: [], totalBytes: 0 }],
    ['a header-only CSV file', 'a,b\n', csv(10), { splits: [], csvHeader: ['a', 'b'], totalBytes: 4 }],
    ['a header without line end', 'a,b', csv(10), { splits: [], csvHeader: ['a', 'b'], totalBytes: 3 }],
    ['a header followed by blank lines', 'a,b\n\n\r\n', csv(10), { splits: [], csvHeader: ['a', 'b'], totalBytes: 7 }],
    ['a byte order mark before the header', '\uFEFFid\n1\n', csv(10), {
      splits: [{ start: 6, end: 8, firstLine: 2 }],
      csvHeader: ['id'],
      totalBytes: 8,
    }],
    ['a quoted header name holding a comma and a line break', '"a,\nb",c\n1,2\n', csv(10), {
      splits: [{ start: 9, end: 13, firstLine: 3 }],
      csvHeader: ['a,\nb', 'c'],
      totalBytes: 13,
    }],
    ['one CSV record per split', 'h\n1\n2\n3\n', csv(1), {
      splits: [
        { start: 2, end: 4, firstLine: 2 },
        { start: 4, end: 6, firstLine: 3 },
        { start: 6, end: 8, firstLine: 4 },
      ],
      csvHeader: ['h'],
      totalBytes: 8,
    }],
    ['never inside a quoted line break', 'h\n"a\nb"\nc\n', csv(1), {
      splits: [
        { start: 2, end: 8, firstLine: 2 },
        { start: 8, end: 10, firstLine: 4 },
      ],
      csvHeader: ['h'],
      totalBytes: 10,
    }],
    ['never between the CR and LF of a line end', 'h\r\n1\r\n2\r\n', csv(1), {
      splits: [
        { start: 3, end: 6, firstLine: 2 },
        { start: 6, end: 9, firstLine: 3 },
      ],
      csvHeader: ['h'],
      totalBytes: 9,
    }],
    ['after a lone CR', 'h\r1\r2', csv(1), {
      splits: [
        { start: 2, end: 4, firstLine: 2 },
        { start: 4, end: 5, firstLine: 3 },
      ],
      csvHeader: ['h'],
      totalBytes: 5,
    }],
    ['at record starts only, so blank lines stay with the record before', 'h\n1\n\n\n2\n\n', csv(1), {
      splits: [
        { start: 2, end: 6, firstLine: 2 },
        { start: 6, end: 9, firstLine: 5 },
      ],
      csvHeader: ['h'],
      totalBytes: 9,
    }],
    ['as many records as fit in the target', 'h\n11\n22\n33\n44\n55\n', csv(6), {
      splits: [
        { start: 2, end: 8, firstLine: 2 },
        { start: 8, end: 17, firstLine: 4 },
      ],
      csvHeader: ['h'],
      totalBytes: 17,
    }],
    ['a record longer than the target alone', 'h\n1\n22222222\n3\n', csv(3), {
      splits: [
        { start: 2, end: 4, firstLine: 2 },
        { start: 4, end: 13, firstLine: 3 },
        { start: 13, end: 15, firstLine: 4 },
      ],
      csvHeader: ['h'],
      totalBytes: 15,
    }],
    ['an empty NDJSON file', '', json(10), { splits: [], totalBytes: 0 }],
    ['an NDJSON file of blank lines', '\n\n', json(10), { splits: [], totalBytes: 2 }],
    ['NDJSON from byte 0, byte order mark and blank lines included', '\uFEFF\n{"a":1}\n{"b":2}\n', json(1), {
      splits: [
        { start: 0, end: 12, firstLine: 1 },
        { start: 12, end: 20, firstLine: 3 },
      ],
      totalBytes: 20,
    }],
    ['NDJSON at any line end, CR LF included', '{"a":1}\r\n{"b":2}\r\n{"c":3}', json(8), {
      splits: [
        { start: 0, end: 9, firstLine: 1 },
        { start: 9, end: 18, firstLine: 2 },
        { start: 18, end: 25, firstLine: 3 },
      ],
      totalBytes: 25,
    }],
    ['NDJSON quotes are not CSV quotes', '{"a":"\\""}\n{"b":2}\n', json(1), {
      splits: [
        { start: 0, end: 11, firstLine: 1 },
        { start: 11, end: 19, firstLine: 2 },
      ],
      totalBytes: 19,
    }],
    ['the whole file in one split when it is below the target', 'h\n1\n2\n', csv(1000), {
      splits: [{ start: 2, end: 6, firstLine: 2 }],
      csvHeader: ['h'],
      totalBytes: 6,
    }],
  ])('%s', async (_name, input, options, expected) => {
    await expect(plan(input, options)).resolves.toEqual(expected);
  });

  it('keeps splits back to back and within the target unless one record is longer', async () => {
    const rows = Array.from({ length: 500 }, (_, index) => `${index},${'x'.repeat(index % 37)}`);
    const input = `n,v\n${rows.join('\n')}\n`;
    const { splits } = await plan(input, csv(100));
    expect(splits[0]?.start).toBe(4);
    expect(splits.at(-1)?.end).toBe(input.length);
    for (const [index, split] of splits.entries()) {
      if (index > 0) expect(split.start).toBe(splits[index - 1]?.end);
      const records = input.slice(split.start, split.end).split('\n').filter(Boolean);
      if (records.length > 1) expect(split.end - split.start).toBeLessThanOrEqual(100);
    }
  });

  it('refuses a header that cannot key rows', async () => {
    await expect(findSplits(chunksOf('a,a\n1,2\n'), csv(10))).rejects.toThrow(CsvHeaderError);
    await expect(findSplits(chunksOf('"a\n1,2\n'), csv(10))).rejects.toThrow('CSV header: a quoted field is not closed before the end of the input');
    await expect(findSplits(chunksOf(`${'h'.repeat(20)}\n1\n`), { ...csv(10), maxHeaderBytes: 16 })).rejects.toThrow(
      'CSV header: longer than 16 bytes, the most a header may take (it is copied into the work item of every piece)',
    );
  });

  it('takes a header of 64 KiB and refuses a longer one, which every work item would carry', async () => {
    const namesOfBytes = (bytes: number): string => Array.from({ length: bytes / 8 }, (_, index) => `c${String(index).padStart(6, '0')}`).join(',').padEnd(bytes, 'x');
    const longest = namesOfBytes(64 * 1024);
    await expect(findSplits(chunksOf(`${longest}\n`), csv(10))).resolves.toMatchObject({ csvHeader: longest.split(',') });
    await expect(findSplits(chunksOf(`${longest}y\n1\n`), csv(10))).rejects.toThrow(
      new CsvHeaderError('longer than 65536 bytes, the most a header may take (it is copied into the work item of every piece)'),
    );
  });

  // The planner records the header in the job's plan, and PostgreSQL's jsonb refuses U+0000: the
  // append failed on every retry, and the planner's subscription stopped there, for every job.
  it.each([
    ['a NUL byte', Buffer.from('id,na\u0000me\n1,2\n')],
    ['a UTF-16 file (without byte order mark, which is not UTF-8 at all)', Buffer.from('id,name\n1,2\n', 'utf16le')],
  ])('refuses a header holding %s, so that the job fails with the reason', async (_name, input) => {
    const planning = findSplits(chunksOf(input), csv(10));
    await expect(planning).rejects.toThrow(CsvHeaderError);
    await expect(planning).rejects.toThrow(/^CSV header: the name of column \d holds a NUL character \(U\+0000\); is the file UTF-16\? Say so in csv\.encoding$/);
  });

  it.each([0, -5, 2.5, Number.NaN])('refuses targetPieceBytes %s', async (targetPieceBytes) => {
    await expect(findSplits(chunksOf('h\n1\n'), csv(targetPieceBytes))).rejects.toThrow(RangeError);
  });
});
