import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Messaging } from '@import-jobs/messaging';
import { createKafkaMessaging } from '@import-jobs/messaging/kafkajs';
import { harnessEnv } from '../../harness/env';
import { eventually } from './deadline';
import { randomSuffix } from './random-suffix';
import type { ServiceLog } from './service-log';

/** The test's own Kafka clients (outside the service); their warnings go to the file's service log. */
export function testMessaging(log: ServiceLog): Messaging {
  return createKafkaMessaging({
    brokers: harnessEnv('KAFKA_BROKERS').split(','),
    clientId: `pipeline-test-client-${randomSuffix()}`,
    log: ({ level, namespace, message }) => log[level](`test client ${namespace}: ${message}`),
  });
}

/**
 * A destination topic of one partition, made before the job writes to it: with a single
 * partition, one marker record written after the job ends is behind every record of the job.
 */
export async function createDestinationTopic(messaging: Messaging, purpose: string): Promise<string> {
  const name = `pipeline-test.${purpose}.${randomSuffix()}`;
  await messaging.admin.createTopics([{ name, partitions: 1, replicationFactor: 1 }]);
  return name;
}

/** Everything a read_committed consumer of a new group receives from a topic, from its start. */
export class TopicReader {
  readonly messages: IncomingMessage[] = [];

  private constructor(readonly topic: string) {}

  /** Resolves once the reader's group has its partitions; stopped when `messaging` closes. */
  static async start(messaging: Messaging, topic: string): Promise<TopicReader> {
    const reader = new TopicReader(topic);
    const consumer = messaging.createConsumer({ groupId: `pipeline-test.reader.${randomUUID()}` });
    await consumer.run({
      topics: [topic],
      fromBeginning: true,
      eachMessage: async (message) => {
        reader.messages.push(message);
      },
    });
    return reader;
  }

  /** Waits until `probe` finds what it looks for in the messages received so far. */
  waitFor<T>(what: string, probe: (messages: readonly IncomingMessage[]) => T | undefined, timeoutMs = 30_000): Promise<T> {
    return eventually(`${what} on ${this.topic}`, async () => probe(this.messages), {
      timeoutMs,
      intervalMs: 50,
      explain: () => this.describe(),
    });
  }

  /**
   * Like `waitFor`, but for a long read: it fails only once no message has arrived for
   * `stalledMs`, however long the whole read takes on a loaded machine. A read that stalls while
   * the partition has more records is held back by a transaction left open.
   */
  async waitWhileArriving<T>(what: string, probe: (messages: readonly IncomingMessage[]) => T | undefined, stalledMs = 30_000): Promise<T> {
    for (;;) {
      const receivedBefore = this.messages.length;
      try {
        return await this.waitFor(what, probe, stalledMs);
      } catch (error) {
        if (this.messages.length === receivedBefore) throw error;
      }
    }
  }

  private describe(): string {
    const last = this.messages.at(-1);
    return `${this.messages.length} messages received so far${last ? `, the last at offset ${last.offset} of partition ${last.partition}` : ''}`;
  }
}

const endMarkerHeader = 'pipeline-test-end-marker';

/**
 * Every committed record of a one-partition topic written before now. A marker record is appended
 * and the topic read up to it: a read_committed consumer delivers it only after every record
 * before it has been committed or aborted, so what came before it is complete, and a duplicate
 * written before now could not hide behind a count that merely reached the expected number.
 */
export async function readCommittedUntilNow(messaging: Messaging, topic: string): Promise<IncomingMessage[]> {
  const marker = randomUUID();
  await messaging.producer.send([{ topic, key: null, value: marker, headers: { [endMarkerHeader]: marker } }]);
  const reader = await TopicReader.start(messaging, topic);
  const end = await reader
    .waitWhileArriving('the end marker', (messages) => {
      const index = messages.findIndex((message) => message.headers[endMarkerHeader] === marker);
      return index === -1 ? undefined : index;
    })
    .catch(async (error: Error) => {
      const ends = await messaging.admin.fetchEndOffsets(topic).catch(() => []);
      throw new Error(`${error.message}\nthe partitions end at ${ends.map(({ partition, offset }) => `${partition}:${offset}`).join(', ')}`, { cause: error });
    });
  if (reader.messages.some((message) => message.partition !== 0)) throw new Error(`${topic} has more than one partition: its end marker proves nothing`);
  return reader.messages.slice(0, end).filter((message) => message.headers[endMarkerHeader] === undefined);
}
