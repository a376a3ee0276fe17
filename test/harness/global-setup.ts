import { createFreshDatabase, ensurePostgres } from '../../tools/stack/postgres';
import { saveHarnessState } from './harness-state';

/**
 * Starts the real servers once per jest run. Connection settings reach the test workers through
 * process.env, which jest workers inherit because they are forked after global setup.
 */
export default async function globalSetup(): Promise<void> {
  await ensurePostgres();
  const database = await createFreshDatabase('import_jobs_test');
  process.env.DATABASE_URL = database.url;
  saveHarnessState({ databaseName: database.name });
}
