import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@import-jobs/sources';
import { startKafka } from '../stack/kafka';
import { ensureDatabase, ensurePostgres } from '../stack/postgres';
import { startS3 } from '../stack/s3';
import { fetchStackJars, stackEnv, startTogether } from '../stack/stack';
import { waitFor } from '../stack/wait-for';
import { appNodeFlags } from '../resilience/app-process';

const usage = `Usage: npm start [-- --exit]

Starts the local stack (Kafka, the S3 server, PostgreSQL's database import_jobs_local), the
all-in-one app on http://127.0.0.1:3000, imports tools/demo/sample-customers.csv and prints the
job's progress and final status. Then it keeps running until Ctrl-C, for you to try the API;
with --exit it stops once the sample import has finished.`;

const port = Number(process.env.PORT ?? 3000);
const serviceLogFile = join(__dirname, '../../.cache/demo/service.log');
const api = `http://127.0.0.1:${port}`;

/** Where the sample goes, and the import of it: README's CLI example repeats them. */
export const sample = {
  file: join(__dirname, 'sample-customers.csv'),
  bucket: 'demo',
  key: 'customers/sample-customers.csv',
  request: {
    sources: [{ url: 's3://demo/customers/sample-customers.csv', type: 'object' }],
    format: 'CSV',
    destinationTopic: 'demo.customers',
    keyField: 'id',
    schema: {
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
    },
    metadata: { source: 'npm start' },
  },
} as const;

interface JobStatus {
  readonly id: string;
  readonly status: string;
  readonly pieces: { total: number; completed: number; failed: number };
  readonly rows: { processed: number; failed: number; imported: number };
  readonly failures: ReadonlyArray<{ line: number; reason: string }>;
  readonly failureReason: { message: string } | null;
  readonly failedRecordReport: string | null;
}

async function main(args: string[]): Promise<number> {
  if (args.some((arg) => arg !== '--exit')) {
    console.error(usage);
    return 2;
  }
  await fetchStackJars();
  console.log('Starting Kafka, the S3 server and PostgreSQL…');
  const [kafka, s3Server] = await startTogether([startKafka(), startS3()]);
  await ensurePostgres();
  const env = { ...stackEnv({ kafka, s3: s3Server, databaseUrl: await ensureDatabase('import_jobs_local') }), PORT: String(port), PIECE_SIZE_BYTES: '1024' };
  // The service's own log (JSON lines, one per event) goes to a file, so that the demo's output stays
  // what a newcomer reads; a failed start shows the file's last lines.
  await mkdir(dirname(serviceLogFile), { recursive: true });
  const serviceLog = await open(serviceLogFile, 'w');
  const app = spawn(process.execPath, [...appNodeFlags, join(__dirname, '../../dist/apps/all-in-one/main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', serviceLog.fd, serviceLog.fd] });
  console.log(`The service's own log: ${relative(process.cwd(), serviceLogFile)}`);
  const stopAll = async () => {
    await stopApp(app);
    await Promise.allSettled([kafka.stop(), s3Server.stop(), serviceLog.close()]);
  };
  try {
    await waitFor('the app to answer', async () => (await fetch(`${api}/v1/imports?limit=1`).catch(() => undefined))?.ok, { timeoutMs: 90_000, intervalMs: 250 }).catch(
      async (error: unknown) => {
        const lines = (await readFile(serviceLogFile, 'utf8')).trimEnd().split('\n');
        console.error(`The service did not start; the last lines of its log:\n${lines.slice(-20).join('\n')}`);
        throw error;
      },
    );
    const job = await importSample(env);
    printJob(job);
    if (args.includes('--exit')) return job.status === 'Completed' ? 0 : 1;
    console.log(`\nThe service keeps running at ${api} (settings below; its log: ${relative(process.cwd(), serviceLogFile)}). Ctrl-C stops everything.`);
    console.log(Object.entries(env).map(([name, value]) => `  ${name}=${value}`).join('\n'));
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      app.once('exit', () => resolve());
    });
    return 0;
  } finally {
    await stopAll();
  }
}

async function importSample(env: Record<string, string>): Promise<JobStatus> {
  const s3 = createS3Client({
    endpoint: env.S3_ENDPOINT!,
    region: env.S3_REGION!,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! },
  });
  await s3.send(new CreateBucketCommand({ Bucket: sample.bucket })).catch(() => undefined);
  await s3.send(new PutObjectCommand({ Bucket: sample.bucket, Key: sample.key, Body: await readFile(sample.file) }));
  s3.destroy();

  const response = await fetch(`${api}/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sample.request) });
  let job = (await response.json()) as JobStatus;
  if (!response.ok) throw new Error(`The import was refused (${response.status}): ${JSON.stringify(job)}`);
  console.log(`\nPOST /v1/imports → ${response.status}, job ${job.id}`);
  let last = '';
  return waitFor(
    'the sample import to finish',
    async () => {
      job = (await (await fetch(`${api}/v1/imports/${job.id}`)).json()) as JobStatus;
      const line = `  ${job.status.padEnd(11)} pieces ${job.pieces.completed + job.pieces.failed}/${job.pieces.total}  rows ${job.rows.processed} (${job.rows.failed} failed)`;
      if (line !== last) console.log((last = line));
      return ['Completed', 'Failed', 'Cancelled'].includes(job.status) ? job : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}

function printJob(job: JobStatus): void {
  console.log(`\nJob ${job.id} ${job.status}: ${job.rows.imported} rows imported to topic ${sample.request.destinationTopic}, ${job.rows.failed} rejected.`);
  if (job.failureReason) console.log(`Reason: ${job.failureReason.message}`);
  for (const failure of job.failures) console.log(`  line ${failure.line}: ${failure.reason}`);
  console.log(`\nWhere to look next:`);
  for (const line of nextSteps(api, job)) console.log(`  ${line}`);
}

/** The commands and addresses printed after the sample import: a test runs each of them. */
export function nextSteps(apiUrl: string, job: Pick<JobStatus, 'id' | 'failedRecordReport'>): string[] {
  return [
    `curl ${apiUrl}/v1/imports/${job.id}`,
    `curl ${apiUrl}/v1/imports`,
    `npm run cli -- --url ${apiUrl} status ${job.id}`,
    `${apiUrl}/docs (the API, documented), ${apiUrl}/metrics, ${apiUrl}/health/ready`,
    ...(job.failedRecordReport ? [`the failure report (expiring link): ${job.failedRecordReport}`] : []),
  ];
}

async function stopApp(app: ChildProcess): Promise<void> {
  if (app.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => app.once('exit', () => resolve()));
  app.kill('SIGTERM');
  const forced = setTimeout(() => app.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(forced);
}

// Imported by the tests for what it prints; run by `npm start`.
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
