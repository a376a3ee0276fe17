import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { waitFor } from '../../tools/stack/wait-for';
import { runImport, type ImportRun } from './e2e';
import type { RunningService } from './service';
import { createTopic, type BenchStack } from './stack';

/** The targets of issue #15 the scale section checks. */
export const scaleTargets = {
  /** End-to-end time at the most pieces, over the time at 100 pieces, for the same rows. */
  maxSlowdown: 2,
  /** Largest stored event and largest message on the service's own topics. */
  maxEventBytes: 256 * 1024,
  /** Seconds to complete a 1-piece job submitted behind a 2,000-piece job. */
  maxSecondsBehindLargeJob: 10,
  /** The 1 GB .gz with 2 workers against 1. */
  minSpeedupOfTwoWorkers: 1.6,
} as const;

export interface ScalePoint {
  /** The pieces asked for: the file's size over PIECE_SIZE_BYTES. */
  readonly pieces: number;
  /** The pieces the job was planned with. */
  readonly planned: number;
  readonly rows: number;
  readonly seconds: number;
  /** Stored events of the job. */
  readonly events: number;
  readonly largestEventBytes: number;
  /** Largest message on the service's own topics (work items, results, progress) during the point. */
  readonly largestMessageBytes: number;
  /** Peak RSS of each process of the service that ran the point, by name. */
  readonly peakRssBytes: Readonly<Record<string, number>>;
}

export interface ScaleResults {
  readonly points: ScalePoint[];
  /** One import of a prefix of many small files. */
  prefix?: { readonly files: number; readonly rows: number; readonly seconds: number; readonly events: number; readonly largestEventBytes: number };
  /** The 1 GB .gz with 1 and 2 workers. */
  readonly gzip: { readonly workers: number; readonly bytes: number; readonly rows: number; readonly seconds: number }[];
  /** A 1-piece job submitted behind a 2,000-piece job. */
  fairness?: { readonly largePieces: number; readonly largeSeconds: number; readonly smallSeconds: number };
  readonly skipped: string[];
}

/** What the scale section is given by the bench: its stack, its files and how it starts the service. */
export interface ScaleContext {
  readonly stack: BenchStack;
  readonly log: (line: string) => void;
  /** Starts API, projector and workers, warmed up, with pieces cut at this size. */
  readonly startService: (workers: number, pieceSizeBytes: number) => Promise<RunningService>;
  /** The bench's CSV, uploaded: the same rows at every piece count. */
  readonly csv: { readonly url: string; readonly bytes: number };
  readonly importTimeoutMs: number;
}

// PIECE_SIZE_BYTES may not be less: the service refuses to start.
const minPieceSizeBytes = 1024;

/** The same rows at each piece count, each on a fresh service so that its processes' peaks count that import alone. */
export async function measurePieceCounts(context: ScaleContext, pieceCounts: readonly number[], results: ScaleResults): Promise<void> {
  for (const pieces of pieceCounts) {
    const pieceSizeBytes = Math.ceil(context.csv.bytes / pieces);
    if (pieceSizeBytes < minPieceSizeBytes) {
      results.skipped.push(`scale at ${pieces.toLocaleString('en')} pieces: ${context.csv.bytes} bytes make pieces under the ${minPieceSizeBytes}-byte minimum`);
      continue;
    }
    const point = await withService(context, 1, pieceSizeBytes, async (service) => {
      const { run, largestMessageBytes } = await importWatchingMessages(context, service, { url: context.csv.url }, timeoutFor(context, pieces));
      const stored = await storedEventsOf(context.stack, service, run.jobId);
      const job = (await (await fetch(`${service.url}/v1/imports/${run.jobId}`)).json()) as { pieces: { total: number } };
      return { pieces, planned: job.pieces.total, rows: run.rows, seconds: run.endToEndMs / 1000, ...stored, largestMessageBytes, peakRssBytes: await service.peakRssBytes() };
    });
    context.log(
      `scale, ${pieces} pieces (${point.planned} planned): ${point.seconds.toFixed(2)} s, ${point.events} events, largest event ${kb(point.largestEventBytes)}, largest message ${kb(point.largestMessageBytes)}`,
    );
    results.points.push(point);
  }
}

/** One job over every object under a prefix of `files` small CSV files. */
export async function measurePrefix(context: ScaleContext, files: number, results: ScaleResults): Promise<void> {
  const bucket = 'bench-data';
  const folder = `small-files-${files}/`;
  context.log(`Uploading ${files.toLocaleString('en')} small files`);
  const rowsPerFile = 5;
  const body = (index: number): string =>
    `id,name\n${Array.from({ length: rowsPerFile }, (_, row) => `${index * rowsPerFile + row + 1},name ${index}-${row}`).join('\n')}\n`;
  await inParallel(files, 16, (index) =>
    context.stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}file-${String(index).padStart(6, '0')}.csv`, Body: body(index) })).then(() => undefined),
  );
  results.prefix = await withService(context, 1, 32 * 1024 * 1024, async (service) => {
    const run = await importOnce(context, service, { url: `s3://${bucket}/${folder}`, sourceType: 'prefix' }, timeoutFor(context, files));
    const { events, largestEventBytes } = await storedEventsOf(context.stack, service, run.jobId);
    return { files, rows: run.rows, seconds: run.endToEndMs / 1000, events, largestEventBytes };
  });
  context.log(`scale, prefix of ${files} files: ${results.prefix.rows} rows in ${results.prefix.seconds.toFixed(2)} s`);
}

/** The same .gz with 1 and 2 workers. */
export async function measureGzip(context: ScaleContext, gzip: { readonly url: string; readonly bytes: number }, results: ScaleResults): Promise<void> {
  for (const workers of [1, 2]) {
    const run = await withService(context, workers, 32 * 1024 * 1024, (service) =>
      importOnce(context, service, { url: gzip.url }, Math.max(context.importTimeoutMs, (gzip.bytes / 1e6) * 10_000)),
    );
    context.log(`scale, ${(gzip.bytes / 1e9).toFixed(1)} GB .gz with ${workers} worker(s): ${run.rows} rows in ${(run.endToEndMs / 1000).toFixed(2)} s`);
    results.gzip.push({ workers, bytes: gzip.bytes, rows: run.rows, seconds: run.endToEndMs / 1000 });
  }
}

/**
 * A 1-piece job submitted once a job of `largePieces` pieces is processing: how long the small one
 * waits behind the large one is what fairness between jobs buys.
 */
export async function measureFairness(context: ScaleContext, small: { readonly url: string; readonly bytes: number }, largePieces: number, results: ScaleResults): Promise<void> {
  const pieceSizeBytes = Math.max(minPieceSizeBytes, small.bytes, Math.ceil(context.csv.bytes / largePieces));
  results.fairness = await withService(context, 1, pieceSizeBytes, async (service) => {
    const large = importOnce(context, service, { url: context.csv.url }, timeoutFor(context, largePieces));
    large.catch(() => undefined);
    await waitFor('the large job to be processing', async () => {
      const { jobs } = (await (await fetch(`${service.url}/v1/imports?status=Processing`)).json()) as { jobs?: unknown[] };
      return (jobs?.length ?? 0) > 0;
    }, { timeoutMs: context.importTimeoutMs, intervalMs: 20 });
    const smallRun = await importOnce(context, service, { url: small.url }, context.importTimeoutMs);
    const largeRun = await large;
    return { largePieces, largeSeconds: largeRun.endToEndMs / 1000, smallSeconds: smallRun.endToEndMs / 1000 };
  });
  context.log(`scale, 1-piece job behind a ${largePieces}-piece job: ${results.fairness.smallSeconds.toFixed(2)} s`);
}

/** The verdict on each target the results allow a verdict on, as table rows. */
export function scaleVerdicts(results: ScaleResults): { readonly target: string; readonly measured: string; readonly verdict: string }[] {
  const verdict = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? 'met' : 'MISSED');
  const at100 = results.points.find((point) => point.pieces === 100);
  const most = results.points.at(-1);
  const slowdown = at100 && most && most.pieces >= 10_000 ? most.seconds / at100.seconds : undefined;
  const largestEvent = Math.max(0, ...results.points.map((point) => point.largestEventBytes), results.prefix?.largestEventBytes ?? 0);
  const largestMessage = Math.max(0, ...results.points.map((point) => point.largestMessageBytes));
  const [one, two] = [1, 2].map((workers) => results.gzip.find((figure) => figure.workers === workers));
  const speedup = one && two ? one.seconds / two.seconds : undefined;
  return [
    {
      target: `10,000 pieces within ${scaleTargets.maxSlowdown}× the time of 100 pieces, same rows`,
      measured: slowdown === undefined ? 'needs the 100 and 10,000 points' : `${slowdown.toFixed(2)}×`,
      verdict: verdict(slowdown === undefined ? undefined : slowdown <= scaleTargets.maxSlowdown),
    },
    {
      target: `largest stored event ≤ ${kb(scaleTargets.maxEventBytes)}`,
      measured: results.points.length === 0 ? 'no point measured' : kb(largestEvent),
      verdict: verdict(results.points.length === 0 ? undefined : largestEvent <= scaleTargets.maxEventBytes),
    },
    {
      target: `largest Kafka message ≤ ${kb(scaleTargets.maxEventBytes)}`,
      measured: results.points.length === 0 ? 'no point measured' : kb(largestMessage),
      verdict: verdict(results.points.length === 0 ? undefined : largestMessage <= scaleTargets.maxEventBytes),
    },
    {
      target: `a 1-piece job behind a 2,000-piece job completes within ${scaleTargets.maxSecondsBehindLargeJob} s`,
      measured: results.fairness === undefined ? 'not run' : `${results.fairness.smallSeconds.toFixed(2)} s`,
      verdict: verdict(results.fairness === undefined ? undefined : results.fairness.smallSeconds <= scaleTargets.maxSecondsBehindLargeJob),
    },
    {
      target: `1 GB .gz: 2 workers ≥ ${scaleTargets.minSpeedupOfTwoWorkers}× faster than 1`,
      measured: speedup === undefined ? 'not run' : `${speedup.toFixed(2)}×`,
      verdict: verdict(speedup === undefined ? undefined : speedup >= scaleTargets.minSpeedupOfTwoWorkers),
    },
  ];
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

// At least 5 pieces a second, or something is wrong.
function timeoutFor(context: ScaleContext, pieces: number): number {
  return Math.max(context.importTimeoutMs, pieces * 200);
}

async function withService<T>(context: ScaleContext, workers: number, pieceSizeBytes: number, work: (service: RunningService) => Promise<T>): Promise<T> {
  const service = await context.startService(workers, pieceSizeBytes);
  try {
    return await work(service);
  } finally {
    await service.stop();
  }
}

async function importOnce(
  context: ScaleContext,
  service: RunningService,
  source: { readonly url: string; readonly sourceType?: 'object' | 'prefix' },
  timeoutMs: number,
): Promise<ImportRun> {
  const topic = `bench-scale-${randomBytes(4).toString('hex')}`;
  await createTopic(context.stack.admin, topic);
  const run = await runImport(service.url, { ...source, format: 'CSV', destinationTopic: topic, clientToken: topic }, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}\nThe service's last output:\n${service.recentOutput()}`);
  });
  if (run.status !== 'Completed' || run.rowsFailed !== 0) throw new Error(`import ${run.jobId} ended ${run.status} with ${run.rowsFailed} failed rows`);
  return run;
}

/** The import, then the largest message the service's own topics hold: everything they carried for it. */
async function importWatchingMessages(
  context: ScaleContext,
  service: RunningService,
  source: { readonly url: string },
  timeoutMs: number,
): Promise<{ readonly run: ImportRun; readonly largestMessageBytes: number }> {
  const run = await importOnce(context, service, source, timeoutMs);
  return { run, largestMessageBytes: await largestMessageOn(context.stack, `${service.topicPrefix}.`) };
}

/** Reads every topic named from `prefix` to its end (as its high watermarks stand now), keeping the largest record's size. */
async function largestMessageOn(stack: BenchStack, prefix: string): Promise<number> {
  const topics = (await stack.admin.listTopics()).filter((topic) => topic.startsWith(prefix));
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const { partition, high } of await stack.admin.fetchTopicOffsets(topic)) if (BigInt(high) > 0n) ends.set(`${topic}/${partition}`, BigInt(high));
  }
  if (ends.size === 0) return 0;
  const consumer = new Kafka({ clientId: 'import-jobs-bench-sizes', brokers: stack.kafka.brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: `bench-sizes-${randomBytes(4).toString('hex')}`,
    // Aborted records were sent too: a size limit applies to them as well.
    readUncommitted: true,
  });
  let largest = 0;
  const reached = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set([...ends.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const { key, value, headers } of batch.messages) {
          const headerBytes = Object.entries(headers ?? {}).reduce((sum, [name, header]) => sum + name.length + (Buffer.isBuffer(header) ? header.length : String(header ?? '').length), 0);
          largest = Math.max(largest, (key?.length ?? 0) + (value?.length ?? 0) + headerBytes);
        }
        // Control records count in lastOffset: a partition whose last record is a commit marker still ends.
        const end = ends.get(`${batch.topic}/${batch.partition}`);
        if (end !== undefined && BigInt(batch.lastOffset()) >= end - 1n) reached.add(`${batch.topic}/${batch.partition}`);
      },
    });
    await waitFor(`every record of the service's ${topics.length} topics read`, async () => reached.size === ends.size, { timeoutMs: 120_000, intervalMs: 100 });
  } finally {
    await consumer.disconnect();
  }
  return largest;
}

/** The job's stored events: how many, and the largest one's data and metadata in bytes. */
async function storedEventsOf(stack: BenchStack, service: RunningService, jobId: string): Promise<{ readonly events: number; readonly largestEventBytes: number }> {
  const pool = new Pool({ connectionString: stack.env.DATABASE_URL, max: 1 });
  try {
    const { rows } = await pool.query<{ events: string; largest: number | null }>(
      `SELECT count(*) AS events, max(octet_length(data::text) + octet_length(metadata::text)) AS largest
       FROM "${service.eventStoreSchema}".events WHERE stream_id = $1`,
      [`import-job-${jobId}`],
    );
    return { events: Number(rows[0]?.events ?? 0), largestEventBytes: rows[0]?.largest ?? 0 };
  } finally {
    await pool.end();
  }
}

async function inParallel(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
