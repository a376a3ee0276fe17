import type { EventStore, GlobalPosition } from '@import-jobs/event-store';
import type { Pool, PoolClient } from 'pg';
import { jobStatusProjectionName } from './job-status-projector';
import { PostgreSqlJobViews } from './postgresql-job-views';
import { inTransaction, poolOf } from '@import-jobs/postgres';
import { readModelNames } from './schema';

export interface RebuildJobViewsOptions {
  readonly store: EventStore;
  /** The read model's database. A pool stays open; a connection string gets a pool of its own for the rebuild. */
  readonly connection: string | Pool;
  /** The live schema; the rebuild writes to a new `<schema>_rebuild_<n>` beside it. */
  readonly schema: string;
  /** The checkpoint row to write, so that a live projector can follow on from the rebuild after a swap. */
  readonly projectionName?: string;
  /** Events per transaction; defaults to 500. */
  readonly batchSize?: number;
}

export interface RebuildResult {
  /** The schema holding the rebuilt tables. */
  readonly schema: string;
  /** The position of the last event replayed; undefined for an empty store. */
  readonly checkpoint: GlobalPosition | undefined;
  readonly events: number;
}

/**
 * Replays the whole store, from position zero, into fresh tables: the read model as the events
 * alone define it, to compare with the live one (`diffJobViews`) or to replace it (`swapJobViews`).
 * Ends at the first short page: events appended meanwhile are for the live projector to follow.
 */
export async function rebuildJobViews({
  store,
  connection,
  schema,
  projectionName = jobStatusProjectionName,
  batchSize = 500,
}: RebuildJobViewsOptions): Promise<RebuildResult> {
  return withPool(connection, async (pool) => {
    const target = await createNextSchema(pool, schema, 'rebuild');
    const views = await PostgreSqlJobViews.create({ pool, schema: target });
    let checkpoint: GlobalPosition | undefined;
    let events = 0;
    for (;;) {
      const page = await store.readAll({ ...(checkpoint && { after: checkpoint }), maxCount: batchSize });
      await views.applyEvents(projectionName, checkpoint, page);
      checkpoint = page.at(-1)?.position ?? checkpoint;
      events += page.length;
      if (page.length < batchSize) return { schema: target, checkpoint, events };
    }
  });
}

export interface SwapJobViewsOptions {
  readonly connection: string | Pool;
  /** The live schema, which becomes `<schema>_retired_<n>`. */
  readonly schema: string;
  /** The rebuilt schema, which takes the live one's name. */
  readonly rebuilt: string;
}

/**
 * Makes rebuilt tables live in one transaction, keeping the old ones under a retired name. Queries
 * name the schema in every statement, so they read the new tables from the next statement on. A
 * live projector's next compare-and-set meets the rebuild's checkpoint, not its own: it resumes
 * from there, so nothing is skipped or applied twice.
 */
export async function swapJobViews({ connection, schema, rebuilt }: SwapJobViewsOptions): Promise<{ readonly retired: string }> {
  const [live, replacement] = [readModelNames(schema), readModelNames(rebuilt)];
  return withPool(connection, (pool) =>
    inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`import-jobs/read-model/swap/${schema}`]);
      const retired = readModelNames(await nextSchemaName(client, schema, 'retired'));
      await client.query(`ALTER SCHEMA ${live.schema} RENAME TO ${retired.schema}`);
      await client.query(`ALTER SCHEMA ${replacement.schema} RENAME TO ${live.schema}`);
      return { retired: retired.schemaName };
    }),
  );
}

async function withPool<T>(connection: string | Pool, work: (pool: Pool) => Promise<T>): Promise<T> {
  const { pool, close } = poolOf(typeof connection === 'string' ? { connectionString: connection } : { pool: connection });
  try {
    return await work(pool);
  } finally {
    await close();
  }
}

const duplicateSchema = '42P06';

/** Creates `<base>_<kind>_<n>` with the next free n; two rebuilds started at once get different ones. */
async function createNextSchema(pool: Pool, base: string, kind: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const name = await nextSchemaName(pool, base, kind);
    try {
      await pool.query(`CREATE SCHEMA ${readModelNames(name).schema}`);
      return name;
    } catch (error) {
      if ((error as { code?: unknown }).code !== duplicateSchema || attempt >= 5) throw error;
    }
  }
}

async function nextSchemaName(db: Pool | PoolClient, base: string, kind: string): Promise<string> {
  const prefix = `${readModelNames(base).schemaName}_${kind}_`;
  const { rows } = await db.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE left(nspname, length($1)) = $1', [prefix]);
  const taken = rows.map(({ nspname }) => nspname.slice(prefix.length)).filter((suffix) => /^[1-9][0-9]{0,8}$/.test(suffix));
  return readModelNames(`${prefix}${Math.max(0, ...taken.map(Number)) + 1}`).schemaName;
}
