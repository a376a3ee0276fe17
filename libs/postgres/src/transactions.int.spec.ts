import { Pool } from 'pg';
import { harnessEnv } from '../../../test/harness/env';
import { inTransaction } from './transactions';

describe('inTransaction', () => {
  let pool: Pool;

  beforeAll(() => {
    pool = new Pool({ connectionString: harnessEnv('DATABASE_URL'), max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(() => pool.end());

  it('a connection that drops between two queries fails the transaction, not the process, and is not handed out again', async () => {
    let droppedPid: number | undefined;

    const outcome = inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      droppedPid = rows[0]!.pid;
      // Dropped while no query of its own runs: the case pg reports as an 'error' event.
      const ended = new Promise((resolve) => client.once('end', resolve));
      await pool.query('SELECT pg_terminate_backend($1)', [droppedPid]);
      await ended;
      await client.query('SELECT 1');
    });

    await expect(outcome).rejects.toThrow();
    const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(rows[0]!.pid).not.toBe(droppedPid);
    await expect(inTransaction(pool, async (client) => (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one)).resolves.toBe(1);
  });
});
