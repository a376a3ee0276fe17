import type { Pool, PoolClient } from 'pg';

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // pg-pool takes its own error listener off a client it hands out, and a connection that drops
  // between two queries emits an 'error' with no active query to receive it: unheard, it ends the
  // process. Heard here, it marks the client broken; the next query fails by itself.
  const noteBroken = (error: Error): void => {
    broken ??= error;
  };
  client.on('error', noteBroken);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    // A client whose connection broke, or whose rollback failed and so may still be inside the
    // transaction, is destroyed rather than pooled.
    client.off('error', noteBroken);
    client.release(broken);
  }
}

/**
 * Runs a migration under a transaction-scoped advisory lock named `lockName`, so that several
 * processes starting at once take turns and each finds the work of the one before it done.
 */
export function migrateUnderLock(pool: Pool, lockName: string, migration: (client: PoolClient) => Promise<void>): Promise<void> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName]);
    await migration(client);
  });
}
