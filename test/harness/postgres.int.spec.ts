import { Client } from 'pg';
import { harnessEnv } from './env';

describe('the PostgreSQL harness', () => {
  it('gives the run a fresh, empty database of its own', async () => {
    const client = new Client({ connectionString: harnessEnv('DATABASE_URL') });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; tables: number }>(
        `SELECT current_database() AS name,
                (SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'public') AS tables`,
      );
      expect(rows[0]).toEqual({ name: expect.stringMatching(/^import_jobs_test_/), tables: 0 });
    } finally {
      await client.end();
    }
  });
});
