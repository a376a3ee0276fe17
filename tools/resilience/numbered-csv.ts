export interface NumberedCsv {
  readonly body: string;
  readonly rows: number;
  readonly validKeys: readonly string[];
  readonly invalidRows: number;
}

/** `id,name,amount` rows keyed `<tag>-<n>`; every 997th has an amount that is not an integer (a row failure under `amountSchema`). */
export function numberedCsv(tag: string, rows: number): NumberedCsv {
  const lines = ['id,name,amount'];
  const validKeys: string[] = [];
  for (let index = 0; index < rows; index++) {
    const id = `${tag}-${index}`;
    const bad = index % 997 === 500;
    lines.push(`${id},Customer ${index},${bad ? 'lots' : index % 10_000}`);
    if (!bad) validKeys.push(id);
  }
  return { body: `${lines.join('\n')}\n`, rows, validKeys, invalidRows: rows - validKeys.length };
}

export const amountSchema = {
  type: 'object',
  required: ['id', 'amount'],
  properties: { id: { type: 'string' }, amount: { type: 'integer' } },
} as const;
