import { fetchKafka, type KafkaServer } from './kafka';
import { fetchS3Mock, type S3Server } from './s3';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Fetches the jars one runtime after the other: two Mavens filling one ~/.m2 at the same time can
 * trip over each other's downloads. Instant when the cache already holds them.
 */
export async function fetchStackJars(): Promise<{ kafkaVersion: string; s3MockVersion: string }> {
  const kafka = await fetchKafka();
  const s3Mock = await fetchS3Mock();
  return { kafkaVersion: kafka.version, s3MockVersion: s3Mock.version };
}

/**
 * Starts servers in parallel (startup is mostly JVM warm-up, which overlaps well). If any fails,
 * those that did start are stopped again before the failure is thrown, so nothing is left running
 * by a setup that its teardown will never see.
 */
export async function startTogether<T extends readonly Promise<Stoppable>[] | []>(
  starting: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starting);
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(settled.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    if (failures.length === 1) throw failures[0];
    const messages = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)));
    throw new AggregateError(failures, `${failures.length} servers failed to start:\n${messages.join('\n')}`);
  }
  return settled.map((result) => (result as PromiseFulfilledResult<Stoppable>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** The connection settings the service and the tests read, by the names they read them under. */
export function stackEnv({ kafka, s3, databaseUrl }: { kafka: KafkaServer; s3: S3Server; databaseUrl: string }): Record<string, string> {
  return {
    KAFKA_BROKERS: kafka.brokers.join(','),
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    DATABASE_URL: databaseUrl,
  };
}
