import * as fc from 'fast-check';
import { readCsvRows } from './csv/read-csv-rows';
import { findSplits, type SplitPlan } from './find-splits';
import { readNdjsonRows } from './ndjson/read-ndjson-rows';
import type { RowResult } from './row-result';
import { bytesOf, chunksOf, collect } from './testing/byte-chunks';

// The planner's splits and the worker's readers must agree on every byte: reading each split
// alone, however its bytes arrive, gives exactly the rows and line numbers of one whole-file read.

const chunkSizes = fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 4 });
const targetPieceBytes = fc.integer({ min: 1, max: 80 });
const runs = { numRuns: 250 };

async function planOf(bytes: Uint8Array, format: 'CSV' | 'JSON', target: number, sizes: number[]): Promise<SplitPlan> {
  const plan = await findSplits(chunksOf(bytes, sizes), { format, targetPieceBytes: target });
  expect(plan.totalBytes).toBe(bytes.length);
  for (const [index, split] of plan.splits.entries()) {
    expect(split.start).toBeLessThan(split.end);
    if (index > 0) expect(split.start).toBe(plan.splits[index - 1]?.end);
  }
  if (plan.splits.length > 0) expect(plan.splits.at(-1)?.end).toBe(bytes.length);
  if (format === 'JSON' && plan.splits.length > 0) expect(plan.splits[0]?.start).toBe(0);
  return plan;
}

async function csvRowsOfWholeFile(bytes: Uint8Array, sizes: number[], maxRecordBytes?: number): Promise<RowResult[]> {
  return collect(readCsvRows(chunksOf(bytes, sizes), { header: 'first-record', firstLine: 1, maxRecordBytes }));
}

async function csvRowsOfSplits(bytes: Uint8Array, plan: SplitPlan, sizes: number[], maxRecordBytes?: number): Promise<RowResult[]> {
  const rows: RowResult[] = [];
  for (const { start, end, firstLine } of plan.splits) {
    const header = plan.csvHeader ?? [];
    rows.push(...(await collect(readCsvRows(chunksOf(bytes.subarray(start, end), sizes), { header, firstLine, maxRecordBytes }))));
  }
  return rows;
}

async function ndjsonRowsOfWholeFile(bytes: Uint8Array, sizes: number[], maxRecordBytes?: number): Promise<RowResult[]> {
  return collect(readNdjsonRows(chunksOf(bytes, sizes), { firstLine: 1, maxRecordBytes }));
}

async function ndjsonRowsOfSplits(bytes: Uint8Array, plan: SplitPlan, sizes: number[], maxRecordBytes?: number): Promise<RowResult[]> {
  const rows: RowResult[] = [];
  for (const { start, end, firstLine } of plan.splits) {
    rows.push(...(await collect(readNdjsonRows(chunksOf(bytes.subarray(start, end), sizes), { firstLine, maxRecordBytes }))));
  }
  return rows;
}

function linesSpannedBy(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

// ── CSV ──────────────────────────────────────────────────────────────────────────────────────

const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
const fieldValue = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', 'é', '😀', '\uFEFF'), maxLength: 8 });

const csvFile = fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}$/), { minLength: 1, maxLength: 4 }).chain((header) =>
  fc.record({
    header: fc.constant(header),
    headerLineEnd: lineEnd,
    byteOrderMark: fc.boolean(),
    trailingLineEnd: fc.boolean(),
    rows: fc.array(
      fc.record({
        fields: fc.array(fieldValue, { minLength: header.length, maxLength: header.length }),
        lineEnd,
        blankLinesAfter: fc.nat({ max: 2 }),
      }),
      { maxLength: 12 },
    ),
  }),
);

type CsvFile = typeof csvFile extends fc.Arbitrary<infer File> ? File : never;

function csvField(value: string, onlyColumn: boolean): string {
  // A lone empty field would be a blank line, which holds no record.
  return /[",\r\n]/.test(value) || (onlyColumn && value === '') ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The file's text, and the rows RFC 4180 says it holds, with their line numbers. */
function writeCsv(file: CsvFile): { text: string; rows: Array<{ line: number; record: Record<string, string> }> } {
  let text = `${file.byteOrderMark ? '\uFEFF' : ''}${file.header.join(',')}${file.headerLineEnd}`;
  let line = 2;
  const rows = file.rows.map((row, index) => {
    const rowText = row.fields.map((value) => csvField(value, file.header.length === 1)).join(',');
    const isLast = index === file.rows.length - 1;
    // Blank lines repeat the row's own line end, so a CR never meets an LF that would make them one.
    const after = isLast && !file.trailingLineEnd ? '' : row.lineEnd.repeat(1 + row.blankLinesAfter);
    const expected = { line, record: Object.fromEntries(file.header.map((name, column) => [name, row.fields[column] ?? ''])) };
    text += rowText + after;
    line += linesSpannedBy(rowText + after);
    return expected;
  });
  return { text, rows };
}

describe('CSV splits read as the whole file', () => {
  it('well-formed files: every row once, with its own line number, however cut and chunked', async () => {
    await fc.assert(
      fc.asyncProperty(csvFile, targetPieceBytes, chunkSizes, async (file, target, sizes) => {
        const { text, rows: expected } = writeCsv(file);
        const bytes = bytesOf(text);
        const whole = await csvRowsOfWholeFile(bytes, sizes);
        expect(whole.map((row) => (row.ok ? { line: row.line, record: row.record } : row))).toEqual(expected);
        const plan = await planOf(bytes, 'CSV', target, sizes);
        expect(plan.csvHeader).toEqual(file.header);
        expect(await csvRowsOfSplits(bytes, plan, sizes)).toEqual(whole);
      }),
      runs,
    );
  });

  const anyCsvBody = fc.array(
    fc.constantFrom(...['a', ',', ',', '"', '"', '\r', '\n', '\n', ' ', 'é', '\uFEFF'].map(bytesOf), Uint8Array.of(0xff), Uint8Array.of(0xc3)),
    { maxLength: 80 },
  );

  it('any bytes at all, malformed quoting, bad UTF-8 and over-long records included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        anyCsvBody,
        fc.integer({ min: 4, max: 30 }),
        targetPieceBytes,
        chunkSizes,
        async (byteOrderMark, body, maxRecordBytes, target, sizes) => {
          const bytes = Buffer.concat([bytesOf(`${byteOrderMark ? '\uFEFF' : ''}a,b\n`), ...body]);
          const whole = await csvRowsOfWholeFile(bytes, sizes, maxRecordBytes);
          const plan = await planOf(bytes, 'CSV', target, sizes);
          expect(await csvRowsOfSplits(bytes, plan, sizes, maxRecordBytes)).toEqual(whole);
        },
      ),
      runs,
    );
  });
});

// ── NDJSON ───────────────────────────────────────────────────────────────────────────────────

const ndjsonFile = fc.record({
  byteOrderMark: fc.boolean(),
  trailingLineEnd: fc.boolean(),
  lines: fc.array(
    fc.record({
      value: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      lineEnd: fc.constantFrom('\n', '\r\n'),
      blankLinesAfter: fc.array(fc.constantFrom('\n', ' \n', '\t\r\n'), { maxLength: 2 }),
    }),
    { maxLength: 10 },
  ),
});

type NdjsonFile = typeof ndjsonFile extends fc.Arbitrary<infer File> ? File : never;

function writeNdjson(file: NdjsonFile): { text: string; rows: Array<{ line: number; record: unknown }> } {
  let text = file.byteOrderMark ? '\uFEFF' : '';
  let line = 1;
  const rows = file.lines.map((entry, index) => {
    const json = JSON.stringify(entry.value);
    const isLast = index === file.lines.length - 1;
    const after = isLast && !file.trailingLineEnd ? '' : entry.lineEnd + entry.blankLinesAfter.join('');
    const expected = { line, record: JSON.parse(json) as unknown };
    text += json + after;
    line += (after.match(/\n/g) ?? []).length;
    return expected;
  });
  return { text, rows };
}

describe('NDJSON splits read as the whole file', () => {
  it('well-formed files: every record once, with its own line number, however cut and chunked', async () => {
    await fc.assert(
      fc.asyncProperty(ndjsonFile, targetPieceBytes, chunkSizes, async (file, target, sizes) => {
        const { text, rows: expected } = writeNdjson(file);
        const bytes = bytesOf(text);
        const whole = await ndjsonRowsOfWholeFile(bytes, sizes);
        expect(whole.map((row) => (row.ok ? { line: row.line, record: row.record } : row))).toEqual(expected);
        const plan = await planOf(bytes, 'JSON', target, sizes);
        expect(await ndjsonRowsOfSplits(bytes, plan, sizes)).toEqual(whole);
      }),
      runs,
    );
  });

  const anyNdjsonBytes = fc.array(
    fc.constantFrom(
      ...['{', '}', '"', ':', '1', 'a', ' ', '\r', '\n', '\n', '[', ']', ',', '\uFEFF', 'é'].map(bytesOf),
      Uint8Array.of(0xff),
      Uint8Array.of(0xe2, 0x82),
    ),
    { maxLength: 80 },
  );

  it('any bytes at all, invalid JSON, bad UTF-8 and over-long lines included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        anyNdjsonBytes,
        fc.integer({ min: 1, max: 30 }),
        targetPieceBytes,
        chunkSizes,
        async (byteOrderMark, body, maxRecordBytes, target, sizes) => {
          const bytes = Buffer.concat([bytesOf(byteOrderMark ? '\uFEFF' : ''), ...body]);
          const whole = await ndjsonRowsOfWholeFile(bytes, sizes, maxRecordBytes);
          const plan = await planOf(bytes, 'JSON', target, sizes);
          expect(await ndjsonRowsOfSplits(bytes, plan, sizes, maxRecordBytes)).toEqual(whole);
        },
      ),
      runs,
    );
  });
});
