import { startKafka } from '../../tools/stack/kafka';
import { createFreshDatabase, dropDatabase, ensurePostgres } from '../../tools/stack/postgres';
import { startS3 } from '../../tools/stack/s3';
import { fetchStackJars, stackEnv, startTogether, type Stoppable } from '../../tools/stack/stack';
import { saveHarnessState } from './harness-state';

/**
 * Starts the real servers once per jest run. Connection settings reach the test workers through
 * process.env, which jest workers inherit because they are forked after global setup.
 */
export default async function globalSetup(): Promise<void> {
  await fetchStackJars();
  const [database, kafka, s3] = await startTogether([testDatabase(), startKafka(), startS3()]);
  saveHarnessState({ started: [database, kafka, s3] });
  Object.assign(process.env, stackEnv({ kafka, s3, databaseUrl: database.url }));
}

/** A fresh database, so that runs never see each other's rows; KEEP_TEST_DATABASE keeps it for a look afterwards. */
async function testDatabase(): Promise<{ url: string } & Stoppable> {
  await ensurePostgres();
  const { name, url } = await createFreshDatabase('import_jobs_test');
  return { url, stop: async () => (process.env.KEEP_TEST_DATABASE ? undefined : dropDatabase(name)) };
}
