/**
 * `npm run bench [-- --quick | --smoke | --scale] [--runs N]`: import-jobs against the limit of this
 * machine and against Kafka Connect, in one run on one broker, printed as a table. See bench/RESULTS.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify, parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../tools/stack/wait-for';
import { startConnect } from './support/connect';
import { columns, ensureDatasetFile, rowSchema, rowsForBytes } from './support/dataset';
import { runImport, type ImportRun, type Phases } from './support/e2e';
import { findKcat, kcatProduce } from './support/kcat';
import { ensureLibrdkafkaClient, librdkafkaClientVersion } from './support/librdkafka';
import { compareParsers, type ParserFigure } from './support/parsers';
import { measureLatency, type LatencyFigures } from './support/read-model';
import { kb, measureFairness, measureGzip, measurePieceCounts, measurePrefix, scaleVerdicts, type ScaleContext, type ScaleResults } from './support/scale';
import { ensureBuiltApps, startService, type RunningService } from './support/service';
import { defaultWorkerPiecesInFlight } from '@import-jobs/application/config/service-config';
import { createTopic, recordsIn, startBenchStack, uploadFile, type BenchStack } from './support/stack';
import { median, spread, type Spread } from './support/stats';

const run = promisify(execFile);
const root = join(__dirname, '..');

interface Mode {
  readonly name: 'full' | 'quick' | 'smoke' | 'scale';
  /** Only the scale section: what a change to the per-piece path does, in minutes rather than an hour. */
  readonly scaleOnly?: boolean;
  readonly rows: number;
  readonly runs: number;
  /** Sizes of the files whose import's peak worker RSS is measured. */
  readonly memoryFiles: readonly { label: string; bytes: number }[];
  readonly latencySeconds: number;
  readonly parserRows: number;
  readonly importTimeoutMs: number;
  /**
   * Whether to measure the librdkafka client beside kafkajs. Its first install builds librdkafka
   * for a minute, which would take the quick bench past its 3 minutes on a fresh clone.
   */
  readonly librdkafkaCandidate: boolean;
  /** The scale section: what each mode measures of it; what it leaves out is printed as skipped. */
  readonly scale: {
    readonly pieceCounts: readonly number[];
    readonly prefixFiles?: number;
    readonly gzipBytes?: number;
    readonly fairnessPieces?: number;
  };
}

// Smaller than the service's 32 MiB default, so that the full bench's 1M rows make 14 pieces and
// keep each worker's pieces in flight busy; what a piece costs as such is the scale section's business.
const pieceSizeBytes = 8 * 1024 * 1024;
const latencyRate = 500;
const latencyWarmUpSeconds = 2;

function modeOf(argv: string[]): Mode {
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, smoke: { type: 'boolean' }, scale: { type: 'boolean' }, runs: { type: 'string' } }, strict: true });
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new Error(`--runs must be a whole number ≥ 1, not ${values.runs}`);
  if (values.smoke) {
    // CI: every contender once on a small file, to prove the bench runs; its figures mean little.
    return {
      name: 'smoke',
      rows: 20_000,
      runs: runs ?? 1,
      memoryFiles: [{ label: '2 MB', bytes: 2e6 }],
      latencySeconds: 2,
      parserRows: 20_000,
      importTimeoutMs: 120_000,
      librdkafkaCandidate: true,
      scale: { pieceCounts: [10, 100] },
    };
  }
  if (values.scale) {
    return {
      name: 'scale',
      scaleOnly: true,
      rows: 100_000,
      runs: runs ?? 1,
      memoryFiles: [],
      latencySeconds: 0,
      parserRows: 0,
      importTimeoutMs: 600_000,
      librdkafkaCandidate: false,
      scale: { pieceCounts: [100, 1_000], fairnessPieces: 2_000 },
    };
  }
  if (values.quick) {
    return {
      name: 'quick',
      rows: 100_000,
      runs: runs ?? 3,
      memoryFiles: [{ label: '10 MB', bytes: 10e6 }],
      latencySeconds: 5,
      parserRows: 100_000,
      importTimeoutMs: 180_000,
      librdkafkaCandidate: false,
      scale: { pieceCounts: [10, 100, 1_000] },
    };
  }
  return {
    name: 'full',
    rows: 1_000_000,
    runs: runs ?? 3,
    memoryFiles: [
      { label: '10 MB', bytes: 10e6 },
      { label: '1 GB', bytes: 1e9 },
    ],
    latencySeconds: 20,
    parserRows: 200_000,
    importTimeoutMs: 600_000,
    librdkafkaCandidate: true,
    scale: { pieceCounts: [10, 100, 1_000, 10_000], prefixFiles: 10_000, gzipBytes: 1e9, fairnessPieces: 2_000 },
  };
}

const startedAt = Date.now();
function log(line: string): void {
  console.error(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}`);
}

interface Throughput {
  readonly name: string;
  readonly format: string;
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: Spread;
  /** CPU seconds of the Node process(es) doing the work (median run), where they can be told apart from the broker's. */
  readonly nodeCpuSeconds?: number;
  readonly note?: string;
}

interface E2eFigure extends Throughput {
  readonly workers: number;
  readonly phases: Phases;
}

interface MemoryFigure {
  readonly label: string;
  readonly bytes: number;
  readonly rows: number;
  readonly seconds: number;
  readonly peakRssBytes: number;
}

interface Results {
  readonly mode: Mode;
  readonly date: string;
  readonly machine: string;
  readonly parsers: ParserFigure[];
  readonly limits: Throughput[];
  readonly e2e: E2eFigure[];
  readonly memory: MemoryFigure[];
  readonly latency: LatencyFigures[];
  readonly scale: ScaleResults;
  readonly skipped: string[];
  /** Measurements that crashed or timed out, with why; the others still run, and the bench exits 1. */
  readonly failed: string[];
}

async function main(argv: string[]): Promise<void> {
  const mode = modeOf(argv);
  const results: Results = {
    mode,
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}`,
    parsers: [],
    limits: [],
    e2e: [],
    memory: [],
    latency: [],
    scale: { points: [], gzip: [], skipped: [] },
    skipped: [],
    failed: [],
  };
  const attempt = async (what: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      log(`${what} FAILED: ${why}`);
      results.failed.push(`${what}: ${why.split('\n')[0]}`);
    }
  };
  log(`${mode.name} bench: ${mode.rows.toLocaleString('en')} rows, ${mode.runs} run(s) each`);
  await ensureBuiltApps(log);

  const dataDir = join(root, '.cache', 'bench', 'data');
  const files = {
    csv: await ensureDatasetFile(join(dataDir, `rows-${mode.rows}.csv`), 'csv', mode.rows),
    ndjson: await ensureDatasetFile(join(dataDir, `rows-${mode.rows}.ndjson`), 'ndjson', mode.rows),
    gzip: await ensureDatasetFile(join(dataDir, `rows-${mode.rows}.csv.gz`), 'csv', mode.rows, true),
  };
  const memoryFiles = await Promise.all(
    mode.memoryFiles.map(async ({ label, bytes }) => {
      const rows = rowsForBytes(bytes, 'csv');
      return { label, rows, ...(await ensureDatasetFile(join(dataDir, `memory-${rows}.csv`), 'csv', rows)) };
    }),
  );
  log(`Data ready in ${dataDir}: CSV ${mb(files.csv.bytes)}, NDJSON ${mb(files.ndjson.bytes)}, gzip ${mb(files.gzip.bytes)}`);

  if (!mode.scaleOnly) {
    log('Parsers, one core, same rows');
    results.parsers.push(...(await compareParsers(Math.min(mode.rows, mode.parserRows), mode.runs)));
  }

  // Before the stack starts: its build takes both cores for a minute, the first time.
  const librdkafkaDir = mode.librdkafkaCandidate ? await installLibrdkafkaCandidate(results) : undefined;
  if (!mode.librdkafkaCandidate) results.skipped.push('the librdkafka candidate, measured by the full bench and the smoke only');

  log('Starting Kafka, the S3 server and a fresh PostgreSQL database');
  const stack = await startBenchStack();
  try {
    const bucket = 'bench-data';
    const urls = {
      csv: await uploadFile(stack.s3, bucket, 'rows.csv', files.csv.path),
      ndjson: await uploadFile(stack.s3, bucket, 'rows.ndjson', files.ndjson.path),
      gzip: await uploadFile(stack.s3, bucket, 'rows.csv.gz', files.gzip.path),
    };
    const memoryUrls: { label: string; rows: number; bytes: number; url: string }[] = [];
    for (const file of memoryFiles) memoryUrls.push({ ...file, url: await uploadFile(stack.s3, bucket, `memory-${file.rows}.csv`, file.path) });
    log('Data uploaded to the S3 server');

    if (mode.scaleOnly) results.skipped.push('every section but scale: --scale measures only it');
    else await measureContenders(stack, mode, { files, urls, memoryUrls, librdkafkaDir }, attempt, results);
    await measureScale(stack, mode, { csv: { url: urls.csv, bytes: files.csv.bytes }, dataDir }, attempt, results.scale);
  } finally {
    log('Stopping the stack');
    await stack.stop();
  }

  const report = renderReport(results);
  console.log(report);
  const outDir = join(root, '.cache', 'bench');
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `results-${mode.name}.json`), JSON.stringify(results, null, 2));
  await writeFile(join(outDir, `results-${mode.name}.md`), report);
  log(`Done: the table is also in .cache/bench/results-${mode.name}.md (and .json)`);
  if (results.failed.length > 0) process.exitCode = 1;
}

// ---- the contenders ------------------------------------------------------------------------

/** Every section but scale: the limits of this machine, Kafka Connect, and import-jobs with 1 and 2 workers. */
async function measureContenders(
  stack: BenchStack,
  mode: Mode,
  { files, urls, memoryUrls, librdkafkaDir }: ContenderInputs,
  attempt: (what: string, work: () => Promise<void>) => Promise<void>,
  results: Results,
): Promise<void> {
  await attempt('kcat', () => measureKcat(stack, mode, files.ndjson, results));
  await attempt('limit, our stack', () => measureOurStack(stack, mode, { CSV: files.csv, JSON: files.ndjson }, librdkafkaDir, results));
  await attempt('Kafka Connect', () => measureConnect(stack, mode, files.ndjson, results));

  for (const workers of [1, 2]) {
    const service = await startBenchService(stack, workers);
    try {
      if (workers === 1) {
        // First, while the read model is small and before the long imports: a failure here costs least.
        await attempt('worker memory', () => measureMemory(stack, service, memoryUrls, mode, results));
        await attempt('read-model latency', () => measureReadModel(service, mode, results));
      }
      const cases: { format: 'CSV' | 'JSON'; file: { bytes: number }; url: string; label: string; schema: boolean; passThrough?: boolean }[] =
        workers === 1
          ? [
              { format: 'CSV', file: files.csv, url: urls.csv, label: 'CSV', schema: false },
              { format: 'CSV', file: files.csv, url: urls.csv, label: 'CSV + schema', schema: true },
              { format: 'JSON', file: files.ndjson, url: urls.ndjson, label: 'NDJSON', schema: false },
              { format: 'JSON', file: files.ndjson, url: urls.ndjson, label: 'NDJSON + schema', schema: true },
              { format: 'JSON', file: files.ndjson, url: urls.ndjson, label: 'NDJSON pass-through', schema: false, passThrough: true },
              { format: 'CSV', file: files.gzip, url: urls.gzip, label: 'CSV gzip', schema: false },
            ]
          : [
              { format: 'CSV', file: files.csv, url: urls.csv, label: 'CSV', schema: false },
              { format: 'JSON', file: files.ndjson, url: urls.ndjson, label: 'NDJSON', schema: false },
            ];
      for (const testCase of cases) {
        const runs: ImportRun[] = [];
        const cpu: number[] = [];
        await attempt(`import-jobs ${workers} worker(s) ${testCase.label}`, async () => {
          for (let index = 0; index < mode.runs; index++) {
            const cpuBefore = await workersCpuSeconds(service);
            const imported = await importOnce(stack, service, testCase, mode.importTimeoutMs);
            cpu.push((await workersCpuSeconds(service)) - cpuBefore);
            log(`import-jobs ${workers} worker(s) ${testCase.label}: ${imported.rows} rows in ${(imported.endToEndMs / 1000).toFixed(2)} s, workers' CPU ${cpu.at(-1)?.toFixed(1)} s`);
            runs.push(imported);
          }
        });
        if (runs.length === 0) continue;
        results.e2e.push({
          name: `import-jobs, ${workers} worker${workers > 1 ? 's' : ''}`,
          format: testCase.label,
          workers,
          rows: runs[0]?.rows ?? 0,
          bytes: testCase.file.bytes,
          seconds: spread(runs.map((imported) => imported.endToEndMs / 1000)),
          nodeCpuSeconds: median(cpu),
          phases: medianPhases(runs.map((imported) => imported.phases)),
        });
      }
    } finally {
      await service.stop();
    }
  }
}

type DatasetFile = Awaited<ReturnType<typeof ensureDatasetFile>>;

interface ContenderInputs {
  readonly files: { readonly csv: DatasetFile; readonly ndjson: DatasetFile; readonly gzip: DatasetFile };
  readonly urls: { readonly csv: string; readonly ndjson: string; readonly gzip: string };
  readonly memoryUrls: readonly { label: string; rows: number; bytes: number; url: string }[];
  readonly librdkafkaDir: string | undefined;
}

async function measureKcat(stack: BenchStack, mode: Mode, ndjson: { path: string; bytes: number }, results: Results): Promise<void> {
  const kcat = findKcat(log);
  if (kcat === undefined) {
    const why = 'kcat not found (Debian: apt-get install kcat); the native limit is skipped';
    log(why);
    results.skipped.push(why);
    return;
  }
  const seconds: number[] = [];
  for (let index = 0; index < mode.runs; index++) {
    const topic = `bench-kcat-${randomBytes(4).toString('hex')}`;
    await createTopic(stack.admin, topic);
    const started = Date.now();
    await kcatProduce(kcat, stack.kafka.brokers, topic, ndjson.path);
    seconds.push((Date.now() - started) / 1000);
    const records = await recordsIn(stack.admin, topic);
    if (records !== mode.rows) throw new Error(`kcat produced ${records} records, not ${mode.rows}`);
    log(`kcat -P: ${records} records in ${seconds.at(-1)?.toFixed(2)} s`);
  }
  results.limits.push({ name: 'limit, native (kcat -P)', format: 'NDJSON lines', rows: mode.rows, bytes: ndjson.bytes, seconds: spread(seconds), note: 'local file, librdkafka defaults, no transactions' });
}

async function installLibrdkafkaCandidate(results: Results): Promise<string | undefined> {
  try {
    return await ensureLibrdkafkaClient(join(root, '.cache', 'bench'), log);
  } catch (error) {
    const why = `the librdkafka candidate, whose client could not be installed here (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`;
    log(`Skipped: ${why}`);
    results.skipped.push(why);
    return undefined;
  }
}

async function measureOurStack(
  stack: BenchStack,
  mode: Mode,
  files: Record<'CSV' | 'JSON', { bytes: number }>,
  librdkafkaDir: string | undefined,
  results: Results,
): Promise<void> {
  const clients = [
    { client: 'kafkajs', name: 'limit, our stack (the worker\'s processPiece → kafkajs tx)' },
    ...(librdkafkaDir === undefined ? [] : [{ client: 'librdkafka', name: `candidate: our stack on librdkafka (@confluentinc/kafka-javascript ${librdkafkaClientVersion})` }]),
  ] as const;
  for (const { client, name } of clients) {
    for (const format of ['CSV', 'JSON'] as const) {
      const seconds: number[] = [];
      const cpu: number[] = [];
      for (let index = 0; index < mode.runs; index++) {
        const topic = `bench-limit-${randomBytes(4).toString('hex')}`;
        await createTopic(stack.admin, topic);
        const input = {
          brokers: stack.kafka.brokers,
          s3: { endpoint: stack.s3Server.endpoint, region: stack.s3Server.region, accessKeyId: stack.s3Server.accessKeyId, secretAccessKey: stack.s3Server.secretAccessKey },
          bucket: 'bench-data',
          key: format === 'CSV' ? 'rows.csv' : 'rows.ndjson',
          format,
          topic,
          pieceSizeBytes,
          piecesAtOnce: defaultWorkerPiecesInFlight,
          client,
          librdkafkaDir,
        };
        const { stdout } = await run(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'limit-our-stack.ts'), JSON.stringify(input)], {
          cwd: root,
          maxBuffer: 1024 * 1024,
        });
        const measured = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { rows: number; ms: number; cpuMs: number };
        if (measured.rows !== mode.rows) throw new Error(`the our-stack limit (${client}) read ${measured.rows} rows, not ${mode.rows}`);
        seconds.push(measured.ms / 1000);
        cpu.push(measured.cpuMs / 1000);
        log(`limit, our stack on ${client}, ${format}: ${measured.rows} rows in ${(measured.ms / 1000).toFixed(2)} s`);
      }
      results.limits.push({
        name,
        format: format === 'CSV' ? 'CSV' : 'NDJSON',
        rows: mode.rows,
        bytes: files[format].bytes,
        seconds: spread(seconds),
        nodeCpuSeconds: median(cpu),
        note: `the worker's processPiece, one transaction per ${mb(pieceSizeBytes)} piece, ${defaultWorkerPiecesInFlight} at once`,
      });
    }
  }
}

async function measureConnect(stack: BenchStack, mode: Mode, ndjson: { path: string; bytes: number }, results: Results): Promise<void> {
  log('Starting Kafka Connect (standalone)');
  const connect = await startConnect(stack.kafka.brokers);
  try {
    const seconds: number[] = [];
    for (let index = 0; index < mode.runs; index++) {
      const suffix = randomBytes(4).toString('hex');
      const topic = `bench-connect-${suffix}`;
      const name = `bench-file-source-${suffix}`;
      await createTopic(stack.admin, topic);
      const started = Date.now();
      await connect.startFileSource(name, ndjson.path, topic);
      await waitFor(`Connect to write ${mode.rows} records`, async () => (await recordsIn(stack.admin, topic)) >= mode.rows, {
        timeoutMs: mode.importTimeoutMs,
        intervalMs: 50,
        signal: connect.died,
      });
      seconds.push((Date.now() - started) / 1000);
      await connect.deleteConnector(name);
      log(`Kafka Connect FileStreamSource: ${mode.rows} records in ${seconds.at(-1)?.toFixed(2)} s`);
    }
    results.limits.push({ name: 'peer: Kafka Connect FileStreamSource', format: 'NDJSON lines', rows: mode.rows, bytes: ndjson.bytes, seconds: spread(seconds), note: 'local file, standalone worker, defaults' });
  } finally {
    await connect.stop();
  }
}

async function startBenchService(stack: BenchStack, workers: number, pieceSize = pieceSizeBytes): Promise<RunningService> {
  // Letters and digits only: it names topics, SQL schemas and a bucket alike.
  const prefix = `w${workers}x${randomBytes(3).toString('hex')}`;
  log(`Starting import-jobs: API, projector and ${workers} worker process(es), pieces of ${pieceSize.toLocaleString('en')} bytes`);
  const service = await startService({ stackEnv: stack.env, workers, pieceSizeBytes: pieceSize, prefix });
  try {
    await waitForWorkers(stack, service.pieceWorkersGroup, workers);
    // A first import, untimed: connections, JIT and the producers' registration happen here.
    const warmUp = await ensureDatasetFile(join(root, '.cache', 'bench', 'data', 'warm-up.csv'), 'csv', 2_000);
    const url = await uploadFile(stack.s3, 'bench-data', 'warm-up.csv', warmUp.path);
    await runImport(service.url, { url, format: 'CSV', destinationTopic: `bench-warm-up-${prefix}`, clientToken: `warm-up-${prefix}` }, 120_000);
    log('import-jobs is up and warm');
    return service;
  } catch (error) {
    await service.stop();
    throw error;
  }
}

async function workersCpuSeconds(service: RunningService): Promise<number> {
  const each = await Promise.all(service.workers.map((worker) => worker.cpuSeconds()));
  return each.reduce((sum, seconds) => sum + seconds, 0);
}

async function waitForWorkers(stack: BenchStack, groupId: string, count: number): Promise<void> {
  await waitFor(`${count} worker(s) in group ${groupId}`, async () => {
    const { groups } = await stack.admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' && groups[0].members.length === count;
  }, { timeoutMs: 120_000, intervalMs: 250 });
}

async function importOnce(stack: BenchStack, service: RunningService, testCase: { format: 'CSV' | 'JSON'; url: string; schema: boolean; passThrough?: boolean }, timeoutMs: number): Promise<ImportRun> {
  const topic = `bench-e2e-${randomBytes(4).toString('hex')}`;
  await createTopic(stack.admin, topic);
  const explained = (why: string): Error => new Error(`${why}\nThe service's last output:\n${service.recentOutput()}`);
  const imported = await runImport(
    service.url,
    { url: testCase.url, format: testCase.format, destinationTopic: topic, clientToken: topic, ...(testCase.schema && { schema: rowSchema }), ...(testCase.passThrough && { passThrough: true }) },
    timeoutMs,
  ).catch((error: Error) => {
    throw explained(error.message);
  });
  if (imported.status !== 'Completed' || imported.rowsFailed !== 0) {
    throw explained(`import ${imported.jobId} ended ${imported.status} with ${imported.rowsFailed} failed rows`);
  }
  return imported;
}

async function measureMemory(stack: BenchStack, service: RunningService, files: readonly { label: string; rows: number; bytes: number; url: string }[], mode: Mode, results: Results): Promise<void> {
  for (const file of files) {
    // A fresh worker, so that its peak counts this import alone; the warm-up proves it joined.
    await service.restartWorker(0);
    await waitForWorkers(stack, service.pieceWorkersGroup, service.workers.length);
    // At least 3,000 rows a second, or something is wrong: a 1 GB file may take a while.
    const timeoutMs = Math.max(mode.importTimeoutMs, (file.rows / 3_000) * 1000);
    const imported = await importOnce(stack, service, { format: 'CSV', url: file.url, schema: false }, timeoutMs);
    const peakRssBytes = await service.workers[0]!.peakRssBytes();
    log(`worker peak RSS importing ${file.label}: ${mb(peakRssBytes)}`);
    results.memory.push({ label: file.label, bytes: file.bytes, rows: imported.rows, seconds: imported.endToEndMs / 1000, peakRssBytes });
  }
}

async function measureReadModel(service: RunningService, mode: Mode, results: Results): Promise<void> {
  const { jobs } = (await (await fetch(`${service.url}/v1/imports`)).json()) as { jobs: { id: string }[] };
  const jobId = jobs[0]?.id;
  if (jobId === undefined) throw new Error('no job to query');
  for (const path of [`/v1/imports/${jobId}`, '/v1/imports']) {
    // The first requests of a path run cold (unoptimised code, empty pools): the target is the
    // steady state, so they are sent, at the same rate, before the measured ones.
    await measureLatency(service.url, path, latencyRate, latencyWarmUpSeconds);
    const figures = await measureLatency(service.url, path, latencyRate, mode.latencySeconds);
    log(`GET ${path} at ${latencyRate}/s: p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms, ${figures.errors} errors`);
    results.latency.push({ ...figures, path: path === '/v1/imports' ? 'GET /v1/imports' : 'GET /v1/imports/:id' });
  }
}

/** The scale section: each part the mode asks for in its own attempt, each part it leaves out said so. */
async function measureScale(
  stack: BenchStack,
  mode: Mode,
  { csv, dataDir }: { readonly csv: { readonly url: string; readonly bytes: number }; readonly dataDir: string },
  attempt: (what: string, work: () => Promise<void>) => Promise<void>,
  results: ScaleResults,
): Promise<void> {
  const { pieceCounts, prefixFiles, gzipBytes, fairnessPieces } = mode.scale;
  const context: ScaleContext = { stack, log, csv, importTimeoutMs: mode.importTimeoutMs, startService: (workers, pieceSize) => startBenchService(stack, workers, pieceSize) };
  const leftOut = `left out of the ${mode.name} bench, which must stay short; the full bench runs it`;
  await attempt('scale, piece counts', () => measurePieceCounts(context, pieceCounts, results));
  if (prefixFiles === undefined) results.skipped.push(`scale, a prefix of 10,000 small files: ${leftOut}`);
  else await attempt('scale, prefix of small files', () => measurePrefix(context, prefixFiles, results));
  if (gzipBytes === undefined) results.skipped.push(`scale, 1 GB of CSV as one .gz with 1 and 2 workers: ${leftOut}`);
  else {
    await attempt('scale, .gz with 1 and 2 workers', async () => {
      const rows = rowsForBytes(gzipBytes, 'csv');
      const file = await ensureDatasetFile(join(dataDir, `scale-${rows}.csv.gz`), 'csv', rows, true);
      const url = await uploadFile(stack.s3, 'bench-data', `scale-${rows}.csv.gz`, file.path);
      await measureGzip(context, { url, bytes: file.bytes }, results);
    });
  }
  if (fairnessPieces === undefined) results.skipped.push(`scale, a 1-piece job behind a 2,000-piece job: ${leftOut}`);
  else {
    await attempt('scale, fairness', async () => {
      const small = await ensureDatasetFile(join(dataDir, 'fairness-small.csv'), 'csv', 5);
      const url = await uploadFile(stack.s3, 'bench-data', 'fairness-small.csv', small.path);
      await measureFairness(context, { url, bytes: small.bytes }, fairnessPieces, results);
    });
  }
  for (const why of results.skipped) log(`Skipped: ${why}`);
}

function medianPhases(all: readonly Phases[]): Phases {
  const keys = Object.keys(all[0] ?? {}) as (keyof Phases)[];
  return Object.fromEntries(keys.map((key) => [key, median(all.map((phases) => phases[key]))])) as unknown as Phases;
}

// ---- the report ----------------------------------------------------------------------------

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

function rate(rows: number, seconds: number): string {
  return `${Math.round(rows / seconds / 1000).toLocaleString('en')}k`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`;
}

function renderReport(results: Results): string {
  const { mode } = results;
  const lines: string[] = [];
  lines.push(`## ${mode.name} bench, ${results.date.slice(0, 16).replace('T', ' ')} UTC`);
  lines.push('');
  lines.push(`Machine: ${results.machine}. ${mode.rows.toLocaleString('en')} rows of ${columns.length} columns; each figure the median of ${mode.runs} run(s), min–max in brackets.`);
  if (mode.scaleOnly) return [...lines, ...skippedAndFailed(results), ...renderScale(results.scale)].join('\n');
  lines.push('Node CPU s: CPU time of the limit script, or of the worker processes for import-jobs (not the API, projector, broker or database).');
  lines.push('');
  lines.push('| contender | input | rows/s (min–max) | MB/s | seconds (min–max) | Node CPU s | ÷ our-stack limit | ÷ Connect |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const limitOf = (format: string): number | undefined => {
    const limit = results.limits.find((figure) => figure.name.startsWith('limit, our stack') && figure.format === (format.startsWith('NDJSON') ? 'NDJSON' : 'CSV'));
    return limit && limit.rows / limit.seconds.median;
  };
  const connect = results.limits.find((figure) => figure.name.startsWith('peer'));
  const connectRate = connect && connect.rows / connect.seconds.median;
  const row = (figure: Throughput, vsLimit: boolean): string => {
    const { median: seconds, min, max } = figure.seconds;
    const rowsPerSecond = figure.rows / seconds;
    return `| ${figure.name} | ${figure.format}, ${mb(figure.bytes)} | ${rate(figure.rows, seconds)} (${rate(figure.rows, max)}–${rate(figure.rows, min)}) | ${(figure.bytes / 1e6 / seconds).toFixed(1)} | ${seconds.toFixed(2)} (${min.toFixed(2)}–${max.toFixed(2)}) | ${figure.nodeCpuSeconds?.toFixed(1) ?? ''} | ${vsLimit ? ratio(rowsPerSecond, limitOf(figure.format)) : ''} | ${ratio(rowsPerSecond, connectRate)} |`;
  };
  // A candidate client is read against the limit it would replace.
  for (const figure of results.limits) lines.push(row(figure, figure.name.startsWith('candidate')));
  for (const figure of results.e2e) lines.push(row(figure, true));
  lines.push(...skippedAndFailed(results));

  lines.push('', '### Where end-to-end time goes (median run, ms; share of POST → terminal event)', '');
  lines.push('| run | accept | wait for planner | planning | pieces (workers) | recording results | finishing | read model after terminal |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const figure of results.e2e) {
    const total = figure.seconds.median * 1000;
    const cell = (ms: number): string => `${Math.round(ms)} (${Math.round((ms / total) * 100)}%)`;
    const { accept, waitForPlanner, planning, pieces, recording, finishing, readModel } = figure.phases;
    lines.push(`| ${figure.name}, ${figure.format} | ${cell(accept)} | ${cell(waitForPlanner)} | ${cell(planning)} | ${cell(pieces)} | ${cell(recording)} | ${cell(finishing)} | ${Math.round(readModel)} |`);
  }

  lines.push('', '### Worker memory (a fresh import-worker process, peak RSS = VmHWM)', '');
  lines.push('| file | rows | seconds | peak RSS |');
  lines.push('| --- | --- | --- | --- |');
  for (const figure of results.memory) lines.push(`| CSV ${figure.label} (${mb(figure.bytes)}) | ${figure.rows.toLocaleString('en')} | ${figure.seconds.toFixed(1)} | ${mb(figure.peakRssBytes)} |`);
  const [small, large] = results.memory;
  if (small && large) lines.push('', `Peak RSS at ${large.label} is ${ratio(large.peakRssBytes, small.peakRssBytes)} the ${small.label} figure.`);

  lines.push('', `### Read model under a fixed ${latencyRate} requests/s (autocannon, 10 connections, ${mode.latencySeconds} s after ${latencyWarmUpSeconds} s of warm-up)`, '');
  lines.push('| query | requests | p50 ms | p99 ms | max ms | errors |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const figure of results.latency) lines.push(`| ${figure.path} | ${figure.requests} | ${figure.p50} | ${figure.p99} | ${figure.max} | ${figure.errors} |`);

  lines.push(...renderScale(results.scale));

  lines.push('', '### Parsers, one core, same rows (median)', '');
  lines.push('| parser | how | rows/s | MB/s |');
  lines.push('| --- | --- | --- | --- |');
  for (const figure of results.parsers) lines.push(`| ${figure.parser} | ${figure.how} | ${rate(figure.rows, figure.rows / figure.rowsPerSecond)} | ${figure.mbPerSecond.toFixed(1)} |`);
  return lines.join('\n');
}

function skippedAndFailed({ skipped, failed }: Results): string[] {
  return [...(skipped.length > 0 ? ['', ...skipped.map((why) => `Skipped: ${why}.`)] : []), ...(failed.length > 0 ? ['', ...failed.map((why) => `FAILED: ${why}`)] : [])];
}

function renderScale(scale: ScaleResults): string[] {
  const lines = ['', '### Scale: the same rows cut into more pieces, one worker, a fresh service per row', ''];
  lines.push('| pieces (planned) | rows | seconds | s per piece | events | largest event | largest message | peak RSS of each app |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const point of scale.points) {
    const rss = Object.entries(point.peakRssBytes).map(([app, bytes]) => `${app} ${mb(bytes)}`).join(', ');
    lines.push(
      `| ${point.pieces.toLocaleString('en')} (${point.planned.toLocaleString('en')}) | ${point.rows.toLocaleString('en')} | ${point.seconds.toFixed(2)} | ${(point.seconds / Math.max(1, point.planned)).toFixed(4)} | ${point.events.toLocaleString('en')} | ${kb(point.largestEventBytes)} | ${kb(point.largestMessageBytes)} | ${rss} |`,
    );
  }
  if (scale.prefix) {
    const { files, rows, seconds, events, largestEventBytes } = scale.prefix;
    lines.push('', `A prefix of ${files.toLocaleString('en')} small files: ${rows.toLocaleString('en')} rows in ${seconds.toFixed(2)} s, ${events.toLocaleString('en')} events, largest ${kb(largestEventBytes)}.`);
  }
  for (const figure of scale.gzip) lines.push('', `${mb(figure.bytes)} .gz with ${figure.workers} worker(s): ${figure.rows.toLocaleString('en')} rows in ${figure.seconds.toFixed(2)} s.`);
  if (scale.fairness) {
    const { largePieces, largeSeconds, smallSeconds } = scale.fairness;
    lines.push('', `A 1-piece job submitted behind a ${largePieces.toLocaleString('en')}-piece job: done in ${smallSeconds.toFixed(2)} s (the large job: ${largeSeconds.toFixed(2)} s).`);
  }
  lines.push('', '| target | measured | verdict |', '| --- | --- | --- |');
  for (const { target, measured, verdict } of scaleVerdicts(scale)) lines.push(`| ${target} | ${measured} | ${verdict} |`);
  if (scale.skipped.length > 0) lines.push('', ...scale.skipped.map((why) => `Skipped: ${why}.`));
  return lines;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
