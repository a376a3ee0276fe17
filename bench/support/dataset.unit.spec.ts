import { compileRowValidator, readCsvRows, readNdjsonRows, type RowResult } from '@import-jobs/formats';
import { chunksOf, collect } from '@import-jobs/formats/testing/byte-chunks';
import { columns, datasetText, rowSchema, type DataFormat } from './dataset';

// The bench fails an import that rejects any row, so the generated rows must all fit the schema.

function rowsOf(format: DataFormat, count: number): Promise<RowResult[]> {
  const chunks = chunksOf([...datasetText(format, count)].join(''), [64 * 1024]);
  return collect(format === 'csv' ? readCsvRows(chunks, { header: 'first-record', firstLine: 1 }) : readNdjsonRows(chunks, { firstLine: 1 }));
}

describe('the bench data set', () => {
  it('is the same for the same seed, and about 113 bytes a CSV row', () => {
    const first = [...datasetText('csv', 2_000)].join('');
    expect([...datasetText('csv', 2_000)].join('')).toBe(first);
    expect([...datasetText('csv', 2_000, 8)].join('')).not.toBe(first);
    expect(first.length / 2_000).toBeGreaterThan(100);
    expect(first.length / 2_000).toBeLessThan(130);
  });

  it.each<DataFormat>(['csv', 'ndjson'])('gives %s rows that the service reads whole and that all fit the row schema', async (format) => {
    const rows = await rowsOf(format, 3_000);
    const validate = compileRowValidator(rowSchema, { format: format === 'csv' ? 'CSV' : 'JSON' });

    expect(rows).toHaveLength(3_000);
    const problems = rows.flatMap((row) => (row.ok ? (validate(row.record) ?? []) : [row.reason]));
    expect(problems).toEqual([]);
    expect(rows.map((row) => row.ok && Object.keys(row.record))[0]).toEqual([...columns]);
  });

  it('holds CSV names that need quoting, line breaks included, so the reader does its real work', async () => {
    const rows = await rowsOf('csv', 1_000);
    const names = rows.map((row) => (row.ok ? String(row.record['name']) : ''));
    expect(names.some((name) => name.includes(',') && name.includes('"'))).toBe(true);
    expect(names.some((name) => name.includes('\n'))).toBe(true);
  });
});
