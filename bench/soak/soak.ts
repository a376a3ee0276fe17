import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { createKafkaMessaging } from '@import-jobs/messaging/kafkajs';
import { createS3Client } from '@import-jobs/sources';
import { duplicatesExplained, tallyKeys } from '../../tools/resilience/key-tally';
import { numberedCsv, amountSchema } from '../../tools/resilience/numbered-csv';
import { AppProcess, ensureAppBuilt, type AppName } from '../../tools/resilience/app-process';
import { freeLoopbackPorts } from '../../tools/stack/free-port';
import { startKafka } from '../../tools/stack/kafka';
import { createFreshDatabase, dropDatabase, ensurePostgres } from '../../tools/stack/postgres';
import { startS3 } from '../../tools/stack/s3';
import { fetchStackJars, stackEnv, startTogether } from '../../tools/stack/stack';
import { waitFor } from '../../tools/stack/wait-for';
import type { IncomingMessage } from '@import-jobs/messaging';
import { createDestinationTopic, readCommittedUntilNow } from '../../test/pipeline/support/topics';

/**
 * `npm run soak -- --minutes M --jobs N [--workers W]`: the api, the projector and W worker
 * processes on a stack of their own, N jobs running at all times for M minutes while a random
 * worker is SIGKILLed (and started again) every few seconds. Every job is checked as the crash
 * suite checks one: completed, one terminal event, every valid row on its destination exactly once.
 */

interface Options {
  readonly minutes: number;
  readonly jobs: number;
  readonly workers: number;
}

interface Totals {
  jobs: number;
  completed: number;
  rows: number;
  kills: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  redelivered: number;
  badJobs: string[];
  maxWorkerRss: number;
}

const positive = (value: string): number => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a positive number');
  return number;
};

async function main(): Promise<number> {
  const options = new Command('soak')
    .option('--minutes <m>', 'how long jobs keep being started', positive, 10)
    .option('--jobs <n>', 'jobs running at once', positive, 3)
    .option('--workers <w>', 'worker processes', positive, 2)
    .parse()
    .opts<Options>();

  const apps: AppName[] = ['import-api', 'import-projector', 'import-worker'];
  for (const app of apps) await ensureAppBuilt(app);
  await fetchStackJars();
  await ensurePostgres();
  const database = await createFreshDatabase('import_jobs_soak');
  const [kafka, s3Server] = await startTogether([startKafka(), startS3()]);
  const [apiPort] = await freeLoopbackPorts(1);
  const env = {
    ...process.env,
    ...stackEnv({ kafka, s3: s3Server, databaseUrl: database.url }),
    PIECE_SIZE_BYTES: String(256 * 1024),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  const api = AppProcess.start('api', { ...env, PORT: String(apiPort) }, 'import-api');
  const projector = AppProcess.start('projector', { ...env, PORT: '0' }, 'import-projector');
  const workers = Array.from({ length: options.workers }, (_, index) => AppProcess.start(`worker ${index + 1}`, { ...env, PORT: '0' }));
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const messaging = createKafkaMessaging({ brokers: kafka.brokers, clientId: 'soak', log: () => undefined });
  const s3 = createS3Client({ endpoint: s3Server.endpoint, region: s3Server.region, credentials: { accessKeyId: s3Server.accessKeyId, secretAccessKey: s3Server.secretAccessKey } });
  const bucket = `soak-${randomUUID().slice(0, 8)}`;
  const totals: Totals = { jobs: 0, completed: 0, rows: 0, kills: 0, lost: 0, duplicated: 0, unexpected: 0, redelivered: 0, badJobs: [], maxWorkerRss: 0 };

  try {
    await waitFor('the api to answer', async () => (await fetch(`${baseUrl}/v1/imports?limit=1`).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 250 });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const endsAt = Date.now() + options.minutes * 60_000;
    console.log(`soak: ${options.minutes} min, ${options.jobs} jobs at once, ${options.workers} worker processes killed at random`);

    const rssProbe = setInterval(() => {
      for (const worker of workers) totals.maxWorkerRss = Math.max(totals.maxWorkerRss, worker.rssBytes() ?? 0);
    }, 500);
    const killer = (async () => {
      while (Date.now() < endsAt) {
        await delay(2_000 + Math.random() * 10_000);
        if (Date.now() >= endsAt) break;
        const index = Math.floor(Math.random() * workers.length);
        await workers[index]!.kill('SIGKILL');
        totals.kills++;
        workers[index] = AppProcess.start(`worker ${index + 1}.${totals.kills}`, { ...env, PORT: '0' });
      }
    })();
    const runners = Array.from({ length: options.jobs }, async () => {
      while (Date.now() < endsAt) await runJob();
    });

    async function runJob(): Promise<void> {
      const tag = `soak-${randomUUID().slice(0, 8)}`;
      const file = numberedCsv(tag, 20_000 + Math.floor(Math.random() * 60_000));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${tag}.csv`, Body: file.body }));
      const destinationTopic = await createDestinationTopic(messaging, tag);
      const request = { sources: [{ url: `s3://${bucket}/${tag}.csv`, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id', schema: amountSchema };
      const accepted = await fetch(`${baseUrl}/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
      const { id } = (await accepted.json()) as { id: string };
      totals.jobs++;
      const job = await waitFor(
        `job ${id} to finish`,
        async () => {
          const body = (await (await fetch(`${baseUrl}/v1/imports/${id}`)).json()) as { status: string; rows: { processed: number; failed: number; imported: number } };
          return ['Completed', 'Failed', 'Cancelled'].includes(body.status) ? body : undefined;
        },
        { timeoutMs: 15 * 60_000, intervalMs: 500 },
      );
      const history = (await (await fetch(`${baseUrl}/v1/imports/${id}/events`)).json()) as { events: Array<{ type: string }> };
      const terminal = history.events.filter(({ type }) => /^(ImportCompleted|JobFailed|ImportCancelled)/.test(type)).length;
      let received: IncomingMessage[];
      try {
        received = await readCommittedUntilNow(messaging, destinationTopic);
      } catch (error) {
        // A transaction left open on the destination holds a read_committed reader back: a finding, not the end of the run.
        totals.badJobs.push(`${id}: its destination could not be read to its end (${(error as Error).message.split('\n')[0]})`);
        return;
      }
      // What the topic holds, each record once: a reader that is handed a record again is not a duplicate on the topic.
      const delivered = [...new Map(received.map((message) => [`${message.partition}/${message.offset}`, message])).values()];
      totals.redelivered += received.length - delivered.length;
      const tally = tallyKeys(file.validKeys, delivered.map((message) => message.key));
      if (tally.duplicated > 0) totals.badJobs.push(`${id}: ${duplicatesExplained(delivered)}`);
      totals.rows += job.rows.processed;
      totals.lost += tally.lost;
      totals.duplicated += tally.duplicated;
      totals.unexpected += tally.unexpected;
      const right = job.status === 'Completed' && terminal === 1 && job.rows.processed === file.rows && job.rows.failed === file.invalidRows;
      if (right) totals.completed++;
      else totals.badJobs.push(`${id}: ${job.status}, ${terminal} terminal events, rows ${JSON.stringify(job.rows)} (expected ${file.rows} processed, ${file.invalidRows} failed)`);
    }

    await Promise.all([killer, ...runners]);
    clearInterval(rssProbe);
  } finally {
    await Promise.allSettled([...workers, api, projector].map((app) => app.kill('SIGTERM')));
    await messaging.close().catch(() => undefined);
    s3.destroy();
    await Promise.allSettled([kafka.stop(), s3Server.stop()]);
    await dropDatabase(database.name).catch(() => undefined);
  }

  const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
  console.log(
    [
      `jobs        ${totals.jobs} (${totals.completed} completed right)`,
      `rows        ${totals.rows.toLocaleString('en')}`,
      `kills       ${totals.kills}`,
      `lost        ${totals.lost}`,
      `duplicated  ${totals.duplicated}`,
      `records the test's reader was handed twice (not on the topic twice) ${totals.redelivered}`,
      `max worker RSS ${megabytes(totals.maxWorkerRss)}`,
      ...totals.badJobs.map((job) => `wrong job   ${job}`),
    ].join('\n'),
  );
  return totals.lost + totals.duplicated + totals.unexpected + totals.badJobs.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
