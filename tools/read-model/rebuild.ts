import { Pool } from 'pg';
import { loadServiceConfig, ConfigError } from '@import-jobs/application/config/service-config';
import { comparePositions, EventStoreDBEventStore, PostgreSqlEventStore, type EventStore } from '@import-jobs/event-store';
import { diffJobViews, PostgreSqlJobViews, rebuildJobViews, swapJobViews, jobStatusProjectionName } from '@import-jobs/read-model';
import { waitFor } from '../stack/wait-for';

const usage = `Usage: npm run read-model:rebuild [-- --swap]

Replays the event store from position zero into fresh read-model tables and compares them with the
live read model, printing every difference. Exits 1 when they differ. With --swap, the rebuilt
tables replace the live ones (the old ones are kept under a retired name); without it, they are
dropped after the comparison. Reads the same settings as the apps (DATABASE_URL, …).`;

async function main(args: string[]): Promise<number> {
  if (args.some((arg) => arg !== '--swap')) {
    console.error(usage);
    return 2;
  }
  const config = loadServiceConfig();
  const store: EventStore =
    config.eventStore.kind === 'eventstoredb'
      ? EventStoreDBEventStore.fromConnectionString(config.eventStore.url)
      : await PostgreSqlEventStore.create({ connectionString: config.databaseUrl, schema: config.eventStoreSchema });
  const pool = new Pool({ connectionString: config.databaseUrl });
  try {
    const rebuilt = await rebuildJobViews({ store, connection: pool, schema: config.readModelSchema });
    console.log(`Replayed ${rebuilt.events} events into ${rebuilt.schema}.`);
    const live = await PostgreSqlJobViews.create({ pool, schema: config.readModelSchema });
    const replayed = await PostgreSqlJobViews.create({ pool, schema: rebuilt.schema });
    // The live projector may trail the rebuild by a moment; compare once it has caught up.
    if (rebuilt.checkpoint) {
      const target = rebuilt.checkpoint;
      await waitFor(
        'the live read model to reach the rebuilt position',
        async () => {
          const position = await live.readCheckpoint(jobStatusProjectionName);
          return position !== undefined && comparePositions(position, target) >= 0;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    }
    const differences = diffJobViews(await live.allViews(), await replayed.allViews());
    for (const { jobId, path, left, right } of differences) {
      console.log(`${jobId} ${path || '(whole job)'}: live ${JSON.stringify(left)} ≠ rebuilt ${JSON.stringify(right)}`);
    }
    console.log(differences.length === 0 ? 'The live read model equals the rebuild.' : `${differences.length} differences.`);
    if (args.includes('--swap')) {
      const { retired } = await swapJobViews({ connection: pool, schema: config.readModelSchema, rebuilt: rebuilt.schema });
      console.log(`The rebuilt tables are live; the previous ones are kept in ${retired}.`);
    } else {
      await pool.query(`DROP SCHEMA "${rebuilt.schema}" CASCADE`);
    }
    return differences.length === 0 ? 0 : 1;
  } finally {
    await pool.end();
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = 1;
  },
);
