import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createReadStream } from 'node:fs';

/**
 * The bench's rows: 10 typed columns, about 120 bytes a row as CSV, from a seeded generator so that
 * every run (and every machine) measures the same bytes. One row in 50 has a name that CSV must
 * quote (a comma, a doubled quote), one in 500 a line break inside quotes, so the CSV readers do
 * their real work rather than a best case.
 */
export const columns = ['id', 'customer', 'name', 'email', 'country', 'amount', 'quantity', 'active', 'created_at', 'score'] as const;

/** The rows' JSON Schema: CSV values are coerced to these types, NDJSON values are checked as they are. */
export const rowSchema = {
  type: 'object',
  required: ['id', 'customer', 'name', 'email', 'country', 'amount', 'quantity', 'active', 'created_at', 'score'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    customer: { type: 'string', pattern: '^C[0-9]{7}$' },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    email: { type: 'string', format: 'email' },
    country: { type: 'string', enum: ['DE', 'FR', 'GB', 'US', 'ES', 'IT', 'NL', 'SE', 'PL', 'JP'] },
    amount: { type: 'number', minimum: 0 },
    quantity: { type: 'integer', minimum: 0 },
    active: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    score: { type: 'number' },
  },
} as const;

type Row = [number, string, string, string, string, number, number, boolean, string, number];

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Niklaus', 'Radia', 'Tim'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Wirth', 'Perlman', 'Berners-Lee'];
const countries = rowSchema.properties.country.enum;

/** mulberry32: small, fast and good enough to make varied test data from a seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* rows(count: number, seed: number): Generator<Row> {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const start = Date.UTC(2024, 0, 1);
  for (let id = 1; id <= count; id++) {
    const first = pick(firstNames);
    const last = pick(lastNames);
    let name = `${first} ${last}`;
    if (id % 50 === 0) name = `${last}, ${first} "${first.slice(0, 3)}"`;
    if (id % 500 === 0) name = `${first} ${last}\nc/o ${pick(lastNames)}`;
    yield [
      id,
      `C${String(Math.floor(random() * 1e7)).padStart(7, '0')}`,
      name,
      `${first.toLowerCase()}.${last.toLowerCase()}${id}@example.com`,
      pick(countries),
      Math.round(random() * 1e6) / 100,
      Math.floor(random() * 100),
      random() < 0.7,
      new Date(start + Math.floor(random() * 3e10)).toISOString(),
      Math.round((random() * 200 - 100) * 1e4) / 1e4,
    ];
  }
}

function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(values: readonly (string | number | boolean)[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

function ndjsonLine(row: Row): string {
  const record: Record<string, unknown> = {};
  columns.forEach((name, index) => (record[name] = row[index]));
  return `${JSON.stringify(record)}\n`;
}

export type DataFormat = 'csv' | 'ndjson';

/** The text of `count` rows, in chunks of about 1 MiB, header first for CSV. */
export function* datasetText(format: DataFormat, count: number, seed = 7): Generator<string> {
  let buffer = format === 'csv' ? csvLine(columns) : '';
  for (const row of rows(count, seed)) {
    buffer += format === 'csv' ? csvLine(row) : ndjsonLine(row);
    if (buffer.length >= 1 << 20) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}

/**
 * Writes the data set to `path` once: an existing file is reused (the generator is deterministic),
 * and a half-written one is never taken for whole, since it is renamed into place when complete.
 */
export async function ensureDatasetFile(path: string, format: DataFormat, count: number, gzip = false): Promise<{ path: string; bytes: number }> {
  if (!existsSync(path)) {
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.partial-${process.pid}`;
    if (gzip) {
      const plain = await ensureDatasetFile(path.replace(/\.gz$/, ''), format, count);
      await pipeline(createReadStream(plain.path), createGzip({ level: 6 }), createWriteStream(partial));
    } else {
      const out = createWriteStream(partial);
      for (const text of datasetText(format, count)) {
        if (!out.write(text)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    }
    await rename(partial, path);
  }
  return { path, bytes: (await stat(path)).size };
}

/** Rows whose CSV text reaches `bytes`, at this data set's average row size. */
export function rowsForBytes(bytes: number, format: DataFormat): number {
  const sample = [...datasetText(format, 10_000)].join('');
  return Math.ceil((bytes / sample.length) * 10_000);
}
