import { Client } from 'pg';
import { harnessEnv } from './env';

describe('the PostgreSQL harness', () => {
  it('connects the run to a database created for this run alone', async () => {
    const client = new Client({ connectionString: harnessEnv('DATABASE_URL') });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
      expect(rows[0]?.name).toMatch(/^import_jobs_test_[a-z0-9]+_[0-9a-f]{6}$/);
    } finally {
      await client.end();
    }
  });
});
