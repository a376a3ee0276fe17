import { csvFile, csvLine, plainRow, type FixtureFile, type FixtureRow } from './csv-fixture';

/** The row schema of `peopleFile`: CSV values coerced to its types (age becomes a number). */
export const peopleSchema = {
  type: 'object',
  required: ['id', 'name', 'email', 'age'],
  properties: {
    id: { type: 'string', pattern: '^p-[0-9]+$' },
    name: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0 },
  },
} as const;

/**
 * People, keyed by `id`, valid under `peopleSchema` but for every 17th row, which breaks the schema
 * or the column count in one of several ways. Some valid names are quoted and hold a comma or a
 * line break, so that rows and lines part ways.
 */
export function peopleFile(count: number): FixtureFile {
  const header = ['id', 'name', 'email', 'age'];
  const valid = (id: string, name: string, email: string, age: number): FixtureRow => ({
    text: csvLine([id, name, email, String(age)]),
    expect: { valid: true, key: id, record: { id, name, email, age } },
  });
  const invalid = (values: readonly string[], reason: string): FixtureRow => ({ text: csvLine(values), expect: { valid: false, reason } });
  const bad = [
    (id: string) => invalid([id, 'Ada', 'ada@example.com', 'forty'], '/age: must be integer'),
    (id: string) => invalid([id, 'Ragged'], 'expected 4 fields as in the header, found 2'),
    (id: string) => invalid([id, 'Grace', 'no-at-sign', '30'], '/email: must match format "email"'),
    (id: string) => invalid([id, 'Extra', 'x@example.com', '30', 'surplus'], 'expected 4 fields as in the header, found 5'),
    (id: string) => invalid([id, '', 'y@example.com', '30'], '/name: must NOT have fewer than 1 characters'),
    (id: string) => invalid([id, 'Young', 'z@example.com', '-3'], '/age: must be >= 0'),
  ];
  const rows = Array.from({ length: count }, (_, index) => {
    const id = `p-${index + 1}`;
    if (index % 17 === 5) return bad[Math.floor(index / 17) % bad.length]!(id);
    const name = index % 11 === 0 ? `Person ${index}, Jr.\nthe ${index}th` : `Person ${index}`;
    return valid(id, name, `person${index}@example.com`, 18 + (index % 60));
  });
  return csvFile(header, rows);
}

/** Cities keyed by `id` (`<tag>-<n>`), every row valid, about 45 bytes a row. */
export function cityFile(tag: string, rows: number): FixtureFile {
  const header = ['id', 'city', 'amount'];
  return csvFile(
    header,
    Array.from({ length: rows }, (_, index) => plainRow(header, [`${tag}-${index}`, `City number ${index} of ${tag}`, String(index * 3)], 'id')),
  );
}
