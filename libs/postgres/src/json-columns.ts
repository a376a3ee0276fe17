import type { PoolClient } from 'pg';

/**
 * Documents the service stores whole and never queries inside belong in `json`, not `jsonb`:
 * jsonb refuses `\u0000` and lone surrogates (which the raw text of a rejected row may hold),
 * while json keeps the text JSON.stringify wrote, where both are escapes, and only checks its
 * syntax. Any string then round-trips, key order included, with no escaping of our own to get
 * wrong, and json is the cheaper type to write and to read back.
 *
 * Tables created before that choice hold jsonb: this converts the named columns of `table` (a
 * quoted, schema-qualified name) that are still jsonb, in one rewrite of the table under an
 * exclusive lock, so reads and writes of it wait (about 9 s for a million 300-byte rows on a
 * 2-core machine). Every later start finds json and only reads the catalog. jsonb converts to
 * json without loss, so rows written before read as before.
 */
export async function convertJsonbColumnsToJson(client: PoolClient, table: string, columns: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ column: string }>(
    `SELECT attname AS column FROM pg_attribute
     WHERE attrelid = $1::regclass AND attname = ANY($2::text[]) AND atttypid = 'jsonb'::regtype AND NOT attisdropped
     ORDER BY attnum`,
    [table, columns],
  );
  if (rows.length === 0) return;
  const conversions = rows.map(({ column }) => `ALTER COLUMN "${column}" TYPE json USING "${column}"::json`);
  await client.query(`ALTER TABLE ${table} ${conversions.join(', ')}`);
}
