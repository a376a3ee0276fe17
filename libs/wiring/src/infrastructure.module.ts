import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { EventStoreDBEventStore, PostgreSqlEventStore, type EventStore } from '@import-jobs/event-store';
import { type Messaging } from '@import-jobs/messaging';
import { importJobTopics, type ImportJobTopics } from '@import-jobs/application/messages';
import { createKafkaMessaging } from '@import-jobs/messaging/kafkajs';
import { createS3Client, S3ObjectStore, type ObjectStore } from '@import-jobs/sources';
import { PinoLogger } from 'nestjs-pino';
import { loadServiceConfig, type ServiceConfig } from '@import-jobs/application/config/service-config';
import { ApiKeys } from '@import-jobs/application/access/api-keys';
import { API_KEYS, EVENT_STORE, IMPORT_JOB_STREAMS, LOG, MESSAGING, OBJECT_STORE, SERVICE_CONFIG, TOPICS } from '@import-jobs/application/di-tokens';
import { ImportJobStreams } from '@import-jobs/application/import-job/import-job-streams';
import { serviceLog } from './logging';
import type { Log } from '@import-jobs/application/shared/log';

/**
 * The S3 client behind the object store: the wiring's own, to create the service's buckets and to
 * close. Tests reach the app's client through it, to arrange buckets and watch what the app sends.
 */
export const S3_CONNECTION = Symbol('S3Connection');

async function openEventStore(config: ServiceConfig): Promise<EventStore> {
  if (config.eventStore.kind === 'eventstoredb') return EventStoreDBEventStore.fromConnectionString(config.eventStore.url);
  return PostgreSqlEventStore.create({ connectionString: config.databaseUrl, schema: config.eventStoreSchema });
}

/**
 * The reports and uploads buckets are the service's own; creating them on start spares a manual step per
 * environment. Apps starting together race to create it: losing that race is success.
 */
async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    });
  }
}

const pieceProgressRetentionMs = 60 * 60 * 1000;

/**
 * The adapters behind every port, opened once per process and closed on shutdown. The all-in-one
 * app and each single app share this module, so they wire the same way.
 */
@Global()
@Module({
  providers: [
    { provide: SERVICE_CONFIG, useFactory: () => loadServiceConfig() },
    { provide: LOG, inject: [{ token: PinoLogger, optional: true }], useFactory: serviceLog },
    { provide: TOPICS, inject: [SERVICE_CONFIG], useFactory: (config: ServiceConfig) => importJobTopics(config.kafka.topicPrefix) },
    { provide: EVENT_STORE, inject: [SERVICE_CONFIG], useFactory: openEventStore },
    {
      provide: MESSAGING,
      inject: [SERVICE_CONFIG, LOG],
      useFactory: (config: ServiceConfig, log: Log): Messaging =>
        createKafkaMessaging({
          brokers: config.kafka.brokers,
          clientId: config.kafka.clientId,
          // A piece is imported in one transaction, so the broker must let one stay open that long.
          transactionTimeoutMs: config.kafka.transactionTimeoutMs,
          sessionTimeoutMs: config.kafka.sessionTimeoutMs,
          log: (entry) => log[entry.level](`${entry.namespace}: ${entry.message}`, { ...entry.details }) }),
    },
    {
      provide: S3_CONNECTION,
      inject: [SERVICE_CONFIG],
      useFactory: async (config: ServiceConfig) => {
        const s3 = createS3Client(config.s3);
        await ensureBucket(s3, config.reportsBucket);
        await ensureBucket(s3, config.uploadsBucket);
        return s3;
      },
    },
    { provide: OBJECT_STORE, inject: [S3_CONNECTION], useFactory: (s3: S3Client): ObjectStore => new S3ObjectStore(s3) },
    { provide: IMPORT_JOB_STREAMS, inject: [EVENT_STORE], useFactory: (store: EventStore) => new ImportJobStreams(store) },
    { provide: API_KEYS, inject: [SERVICE_CONFIG], useFactory: (config: ServiceConfig) => new ApiKeys(config.apiKeys) },
  ],
  exports: [SERVICE_CONFIG, LOG, TOPICS, EVENT_STORE, MESSAGING, OBJECT_STORE, IMPORT_JOB_STREAMS, API_KEYS],
})
export class InfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGING) private readonly messaging: Messaging,
    @Inject(S3_CONNECTION) private readonly s3: S3Client,
    @Inject(TOPICS) private readonly topics: ImportJobTopics,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** The service's own topics, so that a cluster without auto-creation works from the first start. */
  async onModuleInit(): Promise<void> {
    const { partitions, replicationFactor } = this.config.kafka;
    const topic = (name: string, count = partitions) => ({ name, partitions: count, replicationFactor });
    const { commands, commandRejections, pieces, pieceResults, jobEvents, deadLetters, pieceProgress } = this.topics;
    await this.messaging.admin.createTopics([
      topic(commands),
      topic(commandRejections),
      // Pieces spread over the worker group: more partitions, more workers busy at once.
      topic(pieces, this.config.kafka.piecePartitions),
      topic(pieceResults),
      topic(jobEvents),
      topic(deadLetters),
      // Figures of pieces in hand are stale within seconds: nobody reads them back later.
      { ...topic(pieceProgress), config: { 'retention.ms': String(pieceProgressRetentionMs) } },
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.messaging.close(), this.store.close()]);
    this.s3.destroy();
  }
}
