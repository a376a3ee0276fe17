import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { finalStatuses, ImportJobsApiError, type ImportJobStatus, type JobResource, type RequestImportInput } from '@import-jobs/client';
import { ApiConnection, ApiUnreachableError } from './api-connection';
import { exitCodeOfJob, exitCodes, exitCodesHelp, type ExitCode } from './exit-codes';
import { followJobProgress, ProgressStreamLostError, type JobProgress } from './follow-progress';
import { bar, byteSize, ProgressLine } from './progress-line';
import { planJobs, UsageError, type PlannedJob } from './start-plan';
import { uploadFile, type FileFormat, type LocalFile } from './upload-file';

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

const intervalHelp = 'when stderr is not a terminal, at most one progress line this often (ms)';

/**
 * `import-jobs <command>`: the REST API for people and scripts. Results go to stdout (`--json` for
 * the API's own JSON), progress and errors to stderr; the exit code tells the outcome (see
 * `exitCodes`: for `watch` and `start --watch`, how the job ended).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  let exitCode: ExitCode = exitCodes.success;
  const program = new Command('import-jobs')
    .description('Start, follow and cancel import jobs over the import-jobs REST API')
    .option('--url <url>', 'the API (env: IMPORT_JOBS_URL)', io.env.IMPORT_JOBS_URL ?? 'http://127.0.0.1:3000')
    .option('--api-key <key>', 'an API key, sent as a Bearer token (env: IMPORT_JOBS_API_KEY)')
    .option('--json', "print the API's JSON instead of a summary")
    .addHelpText('afterAll', exitCodesHelp)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  let connection: ApiConnection | undefined;
  const api = () => {
    const { url, apiKey = io.env.IMPORT_JOBS_API_KEY } = program.opts<GlobalOptions>();
    return (connection ??= new ApiConnection(url, apiKey));
  };
  const client = () => api().client;
  const asJson = () => program.opts<GlobalOptions>().json === true;
  const show = (value: unknown, summary: () => string) => print(asJson() ? JSON.stringify(value, null, 2) : summary());
  /** Follows the job's progress stream to its end; the job's exit code. */
  const watch = async (jobId: string, intervalMs: number): Promise<ExitCode> => {
    const line = new ProgressLine(io.stderr, intervalMs);
    try {
      await followJobProgress(api(), jobId, { onProgress: (progress) => line.update(jobProgressLine(progress)), onReconnect: (notice) => line.note(notice) });
    } finally {
      line.finish();
    }
    const job = await client().getJob(jobId);
    show(job, () => jobSummary(job));
    return exitCodeOfJob(job.status);
  };
  const upload = async (file: LocalFile, intervalMs: number): Promise<string> => {
    const line = new ProgressLine(io.stderr, intervalMs);
    const draw = (sent: number) => line.update(`${file.name}  ${bar(sent, file.size)}  ${byteSize(sent)} of ${byteSize(file.size)}  ${file.size === 0 ? 100 : Math.floor((sent / file.size) * 100)}%`);
    draw(0);
    try {
      return await uploadFile(api(), file, draw);
    } finally {
      line.finish();
    }
  };
  /**
   * The request importing an upload, sending the local file first. The client's request type
   * names `sources` and `format` as required, as a JSON body naming S3 objects needs them; with
   * `uploadId` the API takes the upload as the source, and its name as the format unless given.
   */
  const importOfUpload = async (job: Exclude<PlannedJob, { kind: 's3' }>, common: Omit<RequestImportInput, 'sources' | 'format'>, intervalMs: number) => {
    const uploadId = job.kind === 'file' ? await upload(job.file, intervalMs) : job.uploadId;
    return { ...common, uploadId, ...(job.format && { format: job.format }) } as RequestImportInput;
  };

  program
    .command('start')
    .description('request an import of local files (uploaded, one job each) or S3 objects (one job together); prints each job id')
    .argument('[sources...]', 'local files (CSV or NDJSON; a .gz is sent as it is) and s3://bucket/key URLs (s3://bucket/prefix/, ending in /, for every file under it)')
    .option('-s, --source <source...>', 'the same as the arguments, kept for scripts that name their sources this way')
    .option('--upload-id <id...>', 'an upload already started with POST /v1/uploads and sent: one job each')
    .requiredOption('-d, --destination <topic>', 'the Kafka topic the valid records go to')
    .addOption(new Option('-f, --format <format>', 'the files’ format (default: told by each name; CSV for S3 names that tell nothing)').choices(['CSV', 'JSON']))
    .option('-k, --key-field <field>', 'the record field that keys each Kafka record')
    .option('--schema <file>', 'a JSON Schema file every row must pass')
    .option('--client-token <token>', 'makes a retried request land on the same job (one job only)')
    .option('--job-type <type>', 'a free label, e.g. CUSTOMERS')
    .option('--max-failed-row-ratio <ratio>', 'fail the job past this share of bad rows', Number)
    .option('-w, --watch', 'then follow each job until it ends; the exit code tells how the first that did not complete ended')
    .option('--interval <ms>', intervalHelp, Number, 1000)
    .action(async (given: string[], options: StartOptions) => {
      const jobs = await planJobs({
        sources: [...(options.source ?? []), ...given].map((source) => ({ given: source, path: pathFromCaller(source, io.env) })),
        uploadIds: options.uploadId ?? [],
        format: options.format,
      });
      if (jobs.length > 1 && options.clientToken) throw new UsageError('--client-token names one job: start these jobs one at a time to give each a token');
      const common = {
        destinationTopic: options.destination,
        ...(options.keyField && { keyField: options.keyField }),
        ...(options.schema && { schema: JSON.parse(await readFile(pathFromCaller(options.schema, io.env), 'utf8')) as RequestImportInput['schema'] }),
        ...(options.clientToken && { clientToken: options.clientToken }),
        ...(options.jobType && { jobType: options.jobType }),
        ...(options.maxFailedRowRatio !== undefined && { failurePolicy: { maxFailedRowRatio: options.maxFailedRowRatio } }),
      };
      const started: string[] = [];
      for (const job of jobs) {
        const request = job.kind === 's3' ? { ...common, sources: job.sources, format: job.format } : await importOfUpload(job, common, options.interval);
        const { job: resource, created } = await client().requestImport(request);
        if (asJson() && !options.watch) print(JSON.stringify(resource, null, 2));
        else print(resource.id);
        if (!created) io.stderr.write(`Job ${resource.id} was accepted before for the same request (its client token, or its upload's): nothing new started.\n`);
        started.push(resource.id);
      }
      if (!options.watch) return;
      for (const jobId of started) {
        const ended = await watch(jobId, options.interval);
        if (exitCode === exitCodes.success) exitCode = ended;
      }
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
    .description("follow a job's progress stream with a progress bar until it ends, reconnecting if it drops; the exit code tells how it ended")
    .option('--interval <ms>', intervalHelp, Number, 1000)
    .action(async (jobId: string, options: { interval: number }) => {
      exitCode = await watch(jobId, options.interval);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.success : exitCodes.usage;
    io.stderr.write(`import-jobs: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeOfError(error);
  }
}

function exitCodeOfError(error: unknown): ExitCode {
  if (error instanceof UsageError) return exitCodes.usage;
  if (error instanceof ImportJobsApiError) return error.status === 401 ? exitCodes.unauthorized : exitCodes.refused;
  if (error instanceof ProgressStreamLostError) return exitCodes.unreachable;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApiUnreachableError) return exitCodes.unreachable;
  }
  return exitCodes.refused;
}

/**
 * `npm run cli` runs the command in the package's folder, wherever it was typed: a relative path
 * means the folder npm was started in (`INIT_CWD`), as it does for the `bin` run directly.
 */
function pathFromCaller(path: string, env: NodeJS.ProcessEnv): string {
  return resolve(env.INIT_CWD ?? '', path);
}

interface StartOptions {
  source?: string[];
  uploadId?: string[];
  destination: string;
  format?: FileFormat;
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

/** Pieces settled out of the total, rows read and rejected, and the status. */
function jobProgressLine(progress: JobProgress): string {
  const { pieces, rows, status } = progress;
  const settled = pieces.completed + pieces.failed + pieces.cancelled;
  // Before planning a job has no pieces: an empty bar, where a finished job without pieces has a full one.
  const drawn = pieces.total > 0 || finalStatuses.includes(status) ? bar(settled, pieces.total) : bar(0, 1);
  return `${drawn} ${settled}/${pieces.total} pieces  ${rows.processed} rows (${rows.failed} rejected)  ${status}`;
}
