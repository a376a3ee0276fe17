import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from './wait-for';

/** Admin connection used to create and drop per-run databases; trust auth on the local cluster. */
export const postgresAdminUrl = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function isReady(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts the installed cluster when it is down (no Docker here: the machine's own PostgreSQL is used). */
export async function ensurePostgres(): Promise<void> {
  if (isReady()) return;
  const clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).trim().split('\n');
  const [version, name] = (clusters[0] ?? '').split(/\s+/);
  if (!version || !name) throw new Error('PostgreSQL is not answering and pg_lsclusters names no cluster to start');
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start'], { stdio: 'inherit' });
  await waitFor('PostgreSQL to accept connections', async () => isReady(), { timeoutMs: 60_000 });
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database, so that runs (and developers' local stacks) never see each other's rows. */
export async function createFreshDatabase(prefix: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  return { name, url: withDatabase(postgresAdminUrl, name) };
}

export async function ensureDatabase(name: string): Promise<string> {
  await withAdmin(async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  });
  return withDatabase(postgresAdminUrl, name);
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
