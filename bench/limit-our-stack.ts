/**
 * "Limit, our stack": the most the service could reach with its own libraries and nothing around
 * them. Streams one object from S3 (libs/sources, a piece's range at a time), reads its rows with the service's reader (libs/formats), makes
 * each record the message the worker makes, and produces them with the service's kafkajs adapter
 * (libs/messaging) in transactions of one piece's bytes, sent in the worker's batches. No consumer,
 * no event store, no validation, no failure list. With `client: 'librdkafka'`, the same run produces
 * through Confluent's librdkafka binding instead (bench/support/librdkafka.ts), the candidate
 * replacement for kafkajs. Run by bench.ts as a child process; prints one JSON line:
 * { rows, bytes, ms, cpuMs }
 * (cpuMs: this process's own CPU time, a figure less swayed than wall time by a busy machine).
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DestinationBatch, recordBytesBound } from '@import-jobs/application/process-piece/destination-batch';
import { defaultPieceLimits } from '@import-jobs/application/process-piece';
import { gunzipChunks, keyOf, readCsvRows, readNdjsonRows, type RowResult } from '@import-jobs/formats';
import type { OutgoingMessage, Transaction } from '@import-jobs/messaging';
import { createKafkaMessaging } from '@import-jobs/messaging/kafkajs';
import { createS3Client, S3ObjectStore } from '@import-jobs/sources';
import { librdkafkaTransactionalProducer } from './support/librdkafka';

export interface LimitRunInput {
  readonly brokers: readonly string[];
  readonly s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  readonly bucket: string;
  readonly key: string;
  readonly format: 'CSV' | 'JSON';
  readonly gzip: boolean;
  readonly topic: string;
  readonly pieceSizeBytes: number;
  readonly client: 'kafkajs' | 'librdkafka';
  /** Where bench.ts installed the librdkafka client, when `client` is 'librdkafka'. */
  readonly librdkafkaDir?: string;
}

interface PieceTransactions {
  withTransaction(work: (transaction: Transaction) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

async function pieceTransactions(input: LimitRunInput, transactionalId: string): Promise<PieceTransactions> {
  if (input.client === 'librdkafka') {
    if (input.librdkafkaDir === undefined) throw new Error('librdkafkaDir is needed with the librdkafka client');
    return librdkafkaTransactionalProducer(input.librdkafkaDir, { brokers: input.brokers, transactionalId });
  }
  const messaging = createKafkaMessaging({ brokers: input.brokers, clientId: 'bench-limit', log: () => undefined });
  await messaging.transactions.initTransactions(transactionalId);
  return { withTransaction: (work) => messaging.transactions.withTransaction(transactionalId, work), close: () => messaging.close() };
}

async function main(input: LimitRunInput): Promise<{ rows: number; bytes: number; ms: number; cpuMs: number }> {
  const s3 = createS3Client({ endpoint: input.s3.endpoint, region: input.s3.region, credentials: input.s3 });
  const transactions = await pieceTransactions(input, `bench-limit-${input.topic}`);
  try {
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const source = counted(objectInRanges(s3, input));
    const bytes = input.gzip ? gunzipChunks(source.chunks, { maxDecompressedBytes: defaultPieceLimits.maxDecompressedBytes }) : source.chunks;
    const rowLimits = { firstLine: 1, maxRecordBytes: defaultPieceLimits.maxMessageBytes, maxRawChars: defaultPieceLimits.maxFailureTextChars };
    const rows = (input.format === 'CSV' ? readCsvRows(bytes, { header: 'first-record', ...rowLimits }) : readNdjsonRows(bytes, rowLimits))[Symbol.asyncIterator]();
    const file = `s3://${input.bucket}/${input.key}`;
    let count = 0;
    let piece = 0;
    let done = false;
    // A gzip object is one piece, as the planner makes it.
    const pieceBytes = input.gzip ? Number.POSITIVE_INFINITY : input.pieceSizeBytes;
    while (!done) {
      const pieceEnd = (piece + 1) * pieceBytes;
      piece++;
      await transactions.withTransaction(async (transaction: Transaction) => {
        const batch = new DestinationBatch(transaction, { maxBatchRecords: defaultPieceLimits.maxBatchRecords, maxBatchBytes: defaultPieceLimits.maxMessageBytes });
        while (source.read() < pieceEnd) {
          const next = await rows.next();
          if (next.done) {
            done = true;
            break;
          }
          count++;
          const message = messageOf(next.value, input.topic, file, piece);
          if (message) await batch.add(message, recordBytesBound(message));
        }
        await batch.flush();
      });
    }
    const cpu = process.cpuUsage(cpuBefore);
    return { rows: count, bytes: source.read(), ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await transactions.close();
    s3.destroy();
  }
}

/** The message the worker makes of a row (see piece-processor.ts), keyed by `id`. */
function messageOf(row: RowResult, topic: string, file: string, piece: number): OutgoingMessage | undefined {
  if (!row.ok) return undefined;
  const key = keyOf(row.record, 'id');
  if (!key.ok) return undefined;
  return {
    topic,
    key: key.key,
    value: JSON.stringify(row.record),
    headers: { 'import-job-id': 'bench-limit', 'import-piece-id': String(piece), 'import-source': file, 'import-line': String(row.line) },
  };
}

/**
 * The object's bytes as one stream, read as the worker reads them: a ranged GET of one piece's
 * size after the other (a gzip object whole). One GET for the whole object is no faster, and the
 * S3 server cuts a response that its reader has held back for long enough.
 */
async function* objectInRanges(s3: S3Client, { bucket, key, gzip, pieceSizeBytes }: LimitRunInput): AsyncGenerator<Uint8Array> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const size = head.ContentLength ?? 0;
  const etag = head.ETag ?? '';
  if (gzip) {
    yield* new S3ObjectStore(s3).read({ bucket, key, etag }, 'whole');
    return;
  }
  for (let start = 0; start < size; start += pieceSizeBytes) {
    yield* new S3ObjectStore(s3).read({ bucket, key, etag }, { start, end: Math.min(size, start + pieceSizeBytes) });
  }
}

function counted(chunks: AsyncIterable<Uint8Array>): { chunks: AsyncIterable<Uint8Array>; read(): number } {
  let total = 0;
  return {
    chunks: (async function* () {
      for await (const chunk of chunks) {
        total += chunk.length;
        yield chunk;
      }
    })(),
    read: () => total,
  };
}

main(JSON.parse(process.argv[2] ?? '{}') as LimitRunInput).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
