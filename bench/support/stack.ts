import { createReadStream } from 'node:fs';
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '@import-jobs/sources';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startKafka, type KafkaServer } from '../../tools/stack/kafka';
import { createFreshDatabase, dropDatabase, ensurePostgres } from '../../tools/stack/postgres';
import { startS3, type S3Server } from '../../tools/stack/s3';
import { fetchStackJars, stackEnv, startTogether, type Stoppable } from '../../tools/stack/stack';
import { waitFor } from '../../tools/stack/wait-for';

/** The servers of one bench run, as test/harness/global-setup.ts starts them for jest: fresh, on free ports. */
export interface BenchStack {
  readonly kafka: KafkaServer;
  readonly s3Server: S3Server;
  readonly env: Record<string, string>;
  readonly s3: S3Client;
  readonly admin: Admin;
  stop(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  await fetchStackJars();
  const [database, kafka, s3Server] = await startTogether([freshDatabase(), startKafka(), startS3()]);
  const env = stackEnv({ kafka, s3: s3Server, databaseUrl: database.url });
  const s3 = createS3Client({ endpoint: s3Server.endpoint, region: s3Server.region, credentials: { accessKeyId: s3Server.accessKeyId, secretAccessKey: s3Server.secretAccessKey } });
  const admin = new Kafka({ clientId: 'import-jobs-bench', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    kafka,
    s3Server,
    env,
    s3,
    admin,
    async stop() {
      s3.destroy();
      await admin.disconnect().catch(() => undefined);
      await Promise.allSettled([kafka.stop(), s3Server.stop(), database.stop()]);
    },
  };
}

async function freshDatabase(): Promise<{ url: string } & Stoppable> {
  await ensurePostgres();
  const { name, url } = await createFreshDatabase('import_jobs_bench');
  return { url, stop: () => dropDatabase(name) };
}

/** Puts a local file into the S3 server (multipart, so a 1 GB file streams), before any timing starts. */
export async function uploadFile(s3: S3Client, bucket: string, key: string, path: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(path) }, partSize: 16 * 1024 * 1024, queueSize: 2 }).done();
  await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return `s3://${bucket}/${key}`;
}

/** Three partitions, like the broker's default for the service's auto-created destinations: the same for every contender. */
export const destinationPartitions = 3;

export async function createTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: destinationPartitions }], waitForLeaders: false });
  await waitFor(`topic ${topic} to have leaders`, async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length === destinationPartitions && topics[0].partitions.every((partition) => partition.leader >= 0);
  });
}

/** The records in `topic` (high watermarks summed; right for a topic no transaction wrote to). */
export async function recordsIn(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}
