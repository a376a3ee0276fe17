/** What the import must make of one row of a fixture file. */
export type RowExpectation =
  | { readonly valid: true; readonly key: string; readonly record: Readonly<Record<string, unknown>> }
  | { readonly valid: false; readonly reason: string };

export interface FixtureRow {
  /** The row as it stands in the file, without its line ending (it may hold quoted line breaks). */
  readonly text: string;
  readonly expect: RowExpectation;
}

export interface NumberedRow extends FixtureRow {
  /** The file's line on which the row starts, as the service must name it. */
  readonly line: number;
}

export interface FixtureFile {
  readonly body: string;
  readonly rows: readonly NumberedRow[];
  readonly valid: ReadonlyArray<NumberedRow & { readonly expect: Extract<RowExpectation, { valid: true }> }>;
  readonly invalid: ReadonlyArray<NumberedRow & { readonly expect: Extract<RowExpectation, { valid: false }> }>;
}

/** One CSV field as RFC 4180 writes it: quoted, with quotes doubled, when it holds a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',');
}

/**
 * A CSV file of a header and rows, each row numbered with the line it starts on: the header is
 * line 1, and a line break inside a quoted field moves every later row down a line.
 */
export function csvFile(header: readonly string[], rows: readonly FixtureRow[], { lineEnding = '\n', bom = false } = {}): FixtureFile {
  let line = 2;
  const numbered = rows.map((row) => {
    const at = line;
    line += 1 + (row.text.match(/\n/g)?.length ?? 0);
    return { ...row, line: at };
  });
  const body = `${bom ? '\uFEFF' : ''}${[csvLine(header), ...rows.map((row) => row.text)].join(lineEnding)}${lineEnding}`;
  return {
    body,
    rows: numbered,
    valid: numbered.flatMap((row) => (row.expect.valid ? [{ ...row, expect: row.expect }] : [])),
    invalid: numbered.flatMap((row) => (row.expect.valid ? [] : [{ ...row, expect: row.expect }])),
  };
}

/** A valid row whose record is its header's fields, as CSV rows are imported without a schema. */
export function plainRow(header: readonly string[], values: readonly string[], keyField: string): FixtureRow {
  const record = Object.fromEntries(header.map((name, index) => [name, values[index] ?? '']));
  return { text: csvLine(values), expect: { valid: true, key: String(record[keyField]), record } };
}
