import { dropDatabase } from '../../tools/stack/postgres';
import { loadHarnessState } from './harness-state';

export default async function globalTeardown(): Promise<void> {
  const state = loadHarnessState();
  if (state.databaseName && !process.env.KEEP_TEST_DATABASE) await dropDatabase(state.databaseName);
}
