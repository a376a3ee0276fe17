import { readFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { finalStatuses, ImportJobsApiError, ImportJobsClient, type ImportJobStatus, type JobResource, type RequestImportInput } from '@import-jobs/client';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

interface GlobalOptions {
  readonly url: string;
  readonly apiKey?: string;
  readonly json?: boolean;
}

/**
 * `import-jobs <command>`: the REST API for people and scripts. Results go to stdout (`--json` for
 * the API's own JSON), progress and errors to stderr; the exit code is 0 only for success (for
 * `watch` and `start --watch`, a Completed job).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  let exitCode = 0;
  const program = new Command('import-jobs')
    .description('Start, follow and cancel import jobs over the import-jobs REST API')
    .option('--url <url>', 'the API (env: IMPORT_JOBS_URL)', io.env.IMPORT_JOBS_URL ?? 'http://127.0.0.1:3000')
    .option('--api-key <key>', 'an API key, sent as a Bearer token (env: IMPORT_JOBS_API_KEY)')
    .option('--json', "print the API's JSON instead of a summary")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  const client = () => {
    const { url, apiKey = io.env.IMPORT_JOBS_API_KEY } = program.opts<GlobalOptions>();
    return new ImportJobsClient({ baseUrl: url, ...(apiKey && { apiKey }) });
  };
  const asJson = () => program.opts<GlobalOptions>().json === true;
  const show = (value: unknown, summary: () => string) => print(asJson() ? JSON.stringify(value, null, 2) : summary());
  const watch = async (jobId: string, intervalMs: number) => {
    const bar = new ProgressBar(io.stderr);
    const job = await client().watch(jobId, { intervalMs, onProgress: (seen) => bar.draw(seen) });
    bar.done();
    show(job, () => jobSummary(job));
    if (job.status !== 'Completed') exitCode = 1;
  };

  program
    .command('start')
    .description('request an import; prints the job id')
    .requiredOption('-s, --source <url...>', 's3://bucket/key of an object, or s3://bucket/prefix/ (ending in /) for every file under it')
    .requiredOption('-d, --destination <topic>', 'the Kafka topic the valid records go to')
    .addOption(new Option('-f, --format <format>', 'the files’ format').choices(['CSV', 'JSON']).default('CSV'))
    .option('-k, --key-field <field>', 'the record field that keys each Kafka record')
    .option('--schema <file>', 'a JSON Schema file every row must pass')
    .option('--client-token <token>', 'makes a retried request land on the same job')
    .option('--job-type <type>', 'a free label, e.g. CUSTOMERS')
    .option('--max-failed-row-ratio <ratio>', 'fail the job past this share of bad rows', Number)
    .option('-w, --watch', 'then follow the job until it ends')
    .option('--interval <ms>', 'how often --watch reads the job', Number, 1000)
    .action(async (options: StartOptions) => {
      const request: RequestImportInput = {
        sources: options.source.map((url) => ({ url, type: url.endsWith('/') ? ('prefix' as const) : ('object' as const) })),
        format: options.format,
        destinationTopic: options.destination,
        ...(options.keyField && { keyField: options.keyField }),
        ...(options.schema && { schema: JSON.parse(await readFile(options.schema, 'utf8')) as RequestImportInput['schema'] }),
        ...(options.clientToken && { clientToken: options.clientToken }),
        ...(options.jobType && { jobType: options.jobType }),
        ...(options.maxFailedRowRatio !== undefined && { failurePolicy: { maxFailedRowRatio: options.maxFailedRowRatio } }),
      };
      const { job, created } = await client().requestImport(request);
      if (asJson() && !options.watch) print(JSON.stringify(job, null, 2));
      else print(job.id);
      if (!created) io.stderr.write(`The client token names job ${job.id}, accepted before for the same request.\n`);
      if (options.watch) await watch(job.id, options.interval);
    });

  program
    .command('status <jobId>')
    .description("a job's status, counts and first failures")
    .action(async (jobId: string) => {
      const job = await client().getJob(jobId);
      show(job, () => jobSummary(job));
    });

  program
    .command('list')
    .description('your jobs, newest first')
    .option('--status <statuses>', 'only these statuses, comma-separated (e.g. Processing,Failed)')
    .option('--limit <n>', 'at most this many', Number)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (options: { status?: string; limit?: number; cursor?: string }) => {
      const page = await client().listJobs({
        ...(options.status && { statuses: options.status.split(',').map((status) => status.trim()) as ImportJobStatus[] }),
        ...(options.limit !== undefined && { limit: options.limit }),
        ...(options.cursor && { cursor: options.cursor }),
      });
      show(page, () =>
        [
          ...page.jobs.map((job) => `${job.id}  ${job.status.padEnd(10)}  ${job.createdAt}  ${job.rows.processed} rows, ${job.rows.failed} failed`),
          ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
        ].join('\n') || 'no jobs',
      );
    });

  program
    .command('cancel <jobId>')
    .description('cancel a job; it ends Cancelled once the pieces in flight settle')
    .action(async (jobId: string) => {
      await client().cancel(jobId);
      if (!asJson()) print(`Cancel of job ${jobId} accepted`);
    });

  program
    .command('events <jobId>')
    .description("a job's audit trail: every stored event, in order")
    .action(async (jobId: string) => {
      const events = await client().history(jobId);
      show({ events }, () => events.map((event) => `${String(event.sequence).padStart(4)}  ${event.occurredAt}  ${event.type}.v${event.version}`).join('\n'));
    });

  program
    .command('watch <jobId>')
    .description('follow a job with a progress bar until it ends; exits 0 only if it completed')
    .option('--interval <ms>', 'how often the job is read', Number, 1000)
    .action(async (jobId: string, options: { interval: number }) => watch(jobId, options.interval));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr.write(`import-jobs: ${error instanceof ImportJobsApiError || error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

interface StartOptions {
  source: string[];
  destination: string;
  format: 'CSV' | 'JSON';
  keyField?: string;
  schema?: string;
  clientToken?: string;
  jobType?: string;
  maxFailedRowRatio?: number;
  watch?: boolean;
  interval: number;
}

export function jobSummary(job: JobResource): string {
  const lines = [
    `Job ${job.id}: ${job.status}`,
    `  pieces  ${job.pieces.completed + job.pieces.failed + job.pieces.cancelled}/${job.pieces.total} settled (${job.pieces.failed} failed)`,
    `  rows    ${job.rows.processed} read, ${job.rows.imported} imported, ${job.rows.failed} rejected`,
    `  bytes   ${job.bytes.processed}/${job.bytes.total}`,
  ];
  if (job.failureReason) lines.push(`  reason  ${job.failureReason.code}: ${job.failureReason.message}`);
  for (const failure of job.failures.slice(0, 10)) lines.push(`  line ${failure.line}: ${failure.reason}`);
  if (job.failures.length > 10) lines.push(`  … ${job.failures.length - 10} more in this answer; the report has them all`);
  if (job.failedRecordReport) lines.push(`  report  ${job.failedRecordReport}`);
  return lines.join('\n');
}

/**
 * Pieces settled out of the total, drawn in place on a terminal; elsewhere (a log, a pipe) one line
 * per change, so that the record stays readable.
 */
class ProgressBar {
  private drawn = false;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }) {}

  draw(job: JobResource): void {
    const settled = job.pieces.completed + job.pieces.failed + job.pieces.cancelled;
    const width = 30;
    const filled = job.pieces.total === 0 ? (finalStatuses.includes(job.status) ? width : 0) : Math.round((settled / job.pieces.total) * width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${settled}/${job.pieces.total} pieces  ${job.rows.processed} rows (${job.rows.failed} rejected)  ${job.status}`;
    if (this.out.isTTY) this.out.write(`\r${line}\u001b[K`);
    else this.out.write(`${line}\n`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn && this.out.isTTY) this.out.write('\n');
  }
}
