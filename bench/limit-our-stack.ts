/**
 * "Limit, our stack": the most the service could reach with its own piece code and nothing around
 * it. The object is cut into pieces first, as the planner cuts it (libs/formats `findSplits`),
 * before the clock starts; then each piece goes through the worker's own
 * `processPiece` (S3 range read, libs/formats readers, records, failure list) inside a transaction of
 * the service's kafkajs adapter, `piecesAtOnce` pieces at a time as a worker takes them. No consumer,
 * no admission, no event store, no results. With `client: 'librdkafka'`, the same run produces
 * through Confluent's librdkafka binding instead (bench/support/librdkafka.ts), the candidate
 * replacement for kafkajs. Run by bench.ts as a child process; prints one JSON line:
 * { rows, bytes, ms, cpuMs }
 * (cpuMs: this process's own CPU time, a figure less swayed than wall time by a busy machine).
 */
import { processPiece, RowValidators } from '@import-jobs/application/process-piece';
import type { PieceWorkItem } from '@import-jobs/application/messages';
import { findSplits } from '@import-jobs/formats';
import type { Transaction } from '@import-jobs/messaging';
import { createKafkaMessaging } from '@import-jobs/messaging/kafkajs';
import { createS3Client, S3ObjectStore, type ObjectStore } from '@import-jobs/sources';
import { librdkafkaTransactionalProducer } from './support/librdkafka';

export interface LimitRunInput {
  readonly brokers: readonly string[];
  readonly s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  readonly bucket: string;
  readonly key: string;
  readonly format: 'CSV' | 'JSON';
  readonly topic: string;
  readonly pieceSizeBytes: number;
  /** Pieces in their own transactions at once, as one worker takes them (WORKER_PIECES_IN_FLIGHT). */
  readonly piecesAtOnce: number;
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
  const objectStore = new S3ObjectStore(s3);
  const lanes = await Promise.all(Array.from({ length: input.piecesAtOnce }, (_, lane) => pieceTransactions(input, `bench-limit-${input.topic}-${lane}`)));
  try {
    const pieces = await piecesOf(input, objectStore);
    const validators = new RowValidators();
    let rows = 0;
    let bytes = 0;
    let next = 0;
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await Promise.all(
      lanes.map(async (lane) => {
        for (let item = pieces[next++]; item !== undefined; item = pieces[next++]) {
          const piece = item;
          await lane.withTransaction(async (transaction) => {
            const outcome = await processPiece(piece, transaction, { objectStore, failuresBucket: input.bucket, validators, heartbeat: async () => undefined });
            if (outcome.kind !== 'completed' || outcome.rowsFailed > 0) throw new Error(`piece ${piece.piece.pieceId}: ${JSON.stringify(outcome)}`);
            rows += outcome.rowsProcessed;
            bytes += outcome.bytesProcessed;
          });
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    return { rows, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await Promise.all(lanes.map((lane) => lane.close()));
    s3.destroy();
  }
}

/** The object's pieces as the planner cuts them: at record boundaries. */
async function piecesOf(input: LimitRunInput, objectStore: ObjectStore): Promise<PieceWorkItem[]> {
  const { bucket, key, format, topic } = input;
  const { etag, size } = await objectStore.head({ bucket, key });
  const version = { bucket, key, etag };
  const { splits, csvHeader } = await findSplits(objectStore.read(version, 'whole'), { format, targetPieceBytes: input.pieceSizeBytes });
  return splits.map(({ start, end, firstLine }) => ({
    type: 'PieceWorkItem',
    version: 1,
    jobId: 'bench-limit',
    tenantId: 'bench',
    format,
    keyField: 'id',
    piece: {
      pieceId: `${topic}-${start}`,
      object: { ...version, size },
      range: { start, end },
      compression: 'none',
      firstLine,
      ...(csvHeader !== undefined && { csvHeader }),
      destinationTopic: topic,
    },
  }));
}

main(JSON.parse(process.argv[2] ?? '{}') as LimitRunInput).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
