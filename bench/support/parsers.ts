import { parse as csvParse } from 'csv-parse/sync';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import { readCsvRows, readNdjsonRows } from '@import-jobs/formats';
import { chunksOf, collect } from '@import-jobs/formats/testing/byte-chunks';
import { datasetText } from './dataset';
import { median } from './stats';

export interface ParserFigure {
  readonly parser: string;
  readonly how: string;
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly mbPerSecond: number;
}

// The chunk size S3 streams give the worker.
const chunk = [64 * 1024];

/**
 * Every CSV parser installed, on the same rows, on one core, median of `runs`: the libraries as
 * their published figures measure them (the whole text at once, rows as string arrays or objects),
 * and the service's own streaming readers (64 KiB chunks, rows as records with line numbers).
 */
export async function compareParsers(rowCount: number, runs: number): Promise<ParserFigure[]> {
  const csv = [...datasetText('csv', rowCount)].join('');
  const ndjson = [...datasetText('ndjson', rowCount)].join('');
  const csvBytes = Buffer.from(csv);
  const ndjsonBytes = Buffer.from(ndjson);
  const contenders: { parser: string; how: string; bytes: number; run: () => Promise<number> | number }[] = [
    { parser: 'csv-parse 7 (sync)', how: 'whole text → objects', bytes: csvBytes.length, run: () => (csvParse(csv, { columns: true }) as unknown[]).length },
    { parser: 'PapaParse 5', how: 'whole text → objects', bytes: csvBytes.length, run: () => Papa.parse(csv, { header: true, delimiter: ',', newline: '\n', skipEmptyLines: true }).data.length },
    { parser: 'uDSV 0.7', how: 'whole text → objects', bytes: csvBytes.length, run: () => initParser(inferSchema(csv, { col: ',', row: '\n', encl: '"' })).stringObjs(csv).length },
    {
      parser: 'libs/formats readCsvRows',
      how: 'streamed, records + line numbers',
      bytes: csvBytes.length,
      run: async () => (await collect(readCsvRows(chunksOf(csvBytes, chunk), { header: 'first-record', firstLine: 1 }))).length,
    },
    { parser: 'libs/formats readNdjsonRows', how: 'streamed, records + line numbers', bytes: ndjsonBytes.length, run: async () => (await collect(readNdjsonRows(chunksOf(ndjsonBytes, chunk), { firstLine: 1 }))).length },
  ];
  const figures: ParserFigure[] = [];
  for (const contender of contenders) {
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < runs; run++) {
      const started = process.hrtime.bigint();
      rows = await contender.run();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const ms = median(times);
    figures.push({ parser: contender.parser, how: contender.how, rows, rowsPerSecond: (rowCount / ms) * 1000, mbPerSecond: contender.bytes / 1e6 / (ms / 1000) });
  }
  return figures;
}
