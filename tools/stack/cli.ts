import { startKafka } from './kafka';
import { stackCacheDir } from './maven-runtime';
import { ensureDatabase, ensurePostgres } from './postgres';
import { startS3 } from './s3';
import { fetchStackJars, stackEnv, startTogether, type Stoppable } from './stack';

const usage = `Usage: npm run stack [-- --fetch-only]

Starts Kafka, an S3 server (S3Mock) and PostgreSQL's database import_jobs_local, prints the
settings to use as KEY=value lines on stdout (a .env file), and stays up until Ctrl-C or SIGTERM.
Kafka and S3 start empty each time; the database keeps its rows.

  --fetch-only   only download the jars into ${stackCacheDir} (set IMPORT_JOBS_CACHE to move it)`;

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--fetch-only');
  if (unknown.length > 0) {
    console.error(`Unknown argument ${unknown.join(' ')}\n\n${usage}`);
    return 2;
  }

  const fetchStarted = Date.now();
  const { kafkaVersion, s3MockVersion } = await fetchStackJars();
  console.error(`Kafka ${kafkaVersion} and S3Mock ${s3MockVersion} jars ready in ${stackCacheDir} (${seconds(fetchStarted)})`);
  if (args.includes('--fetch-only')) return 0;

  const startStarted = Date.now();
  const [kafka, s3, database] = await startTogether([startKafka(), startS3(), localDatabase()]);
  const env = stackEnv({ kafka, s3, databaseUrl: database.url });
  console.error(`Stack up in ${seconds(startStarted)}. Logs: ${kafka.logFile}, ${s3.logFile}. Ctrl-C stops it.`);
  console.log(Object.entries(env).map(([name, value]) => `${name}=${value}`).join('\n'));

  const ended = await new Promise<{ why: string; exitCode: number }>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve({ why: signal, exitCode: 0 }));
    for (const server of [kafka, s3]) {
      server.died.addEventListener('abort', () => resolve({ why: String(server.died.reason), exitCode: 1 }), { once: true });
    }
  });
  console.error(`Stopping (${ended.why})`);
  await Promise.allSettled([kafka.stop(), s3.stop(), database.stop()]);
  return ended.exitCode;
}

/** The developer's own database: created once, kept between runs, so nothing is dropped at stop. */
async function localDatabase(): Promise<{ url: string } & Stoppable> {
  await ensurePostgres();
  const url = await ensureDatabase('import_jobs_local');
  return { url, stop: async () => undefined };
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

main(process.argv.slice(2)).then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
