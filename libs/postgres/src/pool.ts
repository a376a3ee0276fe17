import { Pool } from 'pg';

/** Where a store's connections come from: its own pool, or one its owner shares with other stores. */
export type PoolSource = { readonly connectionString: string } | { readonly pool: Pool };

export interface PoolInUse {
  readonly pool: Pool;
  /** Ends the pool if it was made here; a shared pool is its owner's to end. */
  readonly close: () => Promise<void>;
}

export function poolOf(source: PoolSource): PoolInUse {
  if ('pool' in source) return { pool: source.pool, close: async () => undefined };
  const pool = new Pool({ connectionString: source.connectionString });
  // An idle client that loses its connection emits on the pool; without a listener that kills
  // the process. The next query on a fresh client reports the outage instead.
  pool.on('error', () => undefined);
  return { pool, close: () => pool.end() };
}

/** The store with its tables in place, or closed again when they could not be made. */
export async function migrated<Store extends { migrate(): Promise<void>; close(): Promise<void> }>(store: Store): Promise<Store> {
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * The schema quoted for SQL, after checking that quoting stays trivial (no quote to escape, no
 * capital letter PostgreSQL would fold) and that the name leaves room, within PostgreSQL's 63-byte
 * identifiers, for what its owner names after it.
 */
export function quotedSchema(schema: string, maxLength: number): string {
  const pattern = new RegExp(`^[a-z_][a-z0-9_]{0,${maxLength - 1}}$`);
  if (!pattern.test(schema)) throw new TypeError(`Schema name ${JSON.stringify(schema)} must match ${pattern.source}`);
  return `"${schema}"`;
}
