import { randomUUID } from 'node:crypto';
import { harnessEnv } from '../../../test/harness/env';
import { waitFor } from '../../../tools/stack/wait-for';
import type { IncomingMessage, Messaging, TopicSpec } from '../src';
import { createKafkaMessaging, type MessagingLogEntry } from '../src/kafkajs';

/**
 * Room for group joins and transaction round trips on a loaded machine; the waits inside a test have
 * their own, shorter deadlines. Set per file because jest takes `testTimeout` only from the global
 * configuration, not from a project's.
 */
export const kafkaTestTimeoutMs = 60_000;

/** A name no other test or run uses, so that tests never read each other's records or groups. */
export function uniqueName(purpose: string): string {
  return `messaging-test.${purpose}.${randomUUID().slice(0, 8)}`;
}

export function singlePartitionTopic(purpose: string): TopicSpec {
  return { name: uniqueName(purpose), partitions: 1, replicationFactor: 1 };
}

/**
 * Messaging clients for one test file, closed after each test. What kafkajs logs is kept rather than
 * printed (a fresh broker makes it report retried "coordinator loading" answers as errors, and the
 * tests provoke failing handlers on purpose); set MESSAGING_TEST_LOG=1 to see it.
 */
export function messagingTestKit() {
  const open: Messaging[] = [];
  const logs: MessagingLogEntry[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((messaging) => messaging.close()));
  });

  return {
    logs,
    connect(): Messaging {
      const messaging = createKafkaMessaging({
        brokers: harnessEnv('KAFKA_BROKERS').split(','),
        clientId: uniqueName('client'),
        log: (entry) => {
          logs.push(entry);
          if (process.env.MESSAGING_TEST_LOG) console.log(entry);
        },
      });
      open.push(messaging);
      return messaging;
    },
  };
}

/** What a consumer received, in the order it received it. */
export class Inbox {
  readonly messages: IncomingMessage[] = [];

  readonly add = async (message: IncomingMessage): Promise<void> => {
    this.messages.push(message);
  };

  values(topic?: string): string[] {
    return this.messages.filter((message) => topic === undefined || message.topic === topic).map((message) => message.value?.toString() ?? '');
  }

  async waitFor(what: string, holds: (messages: readonly IncomingMessage[]) => boolean, timeoutMs = 30_000): Promise<void> {
    await waitFor(what, async () => holds(this.messages), { timeoutMs, intervalMs: 20 });
  }

  async waitForValue(value: string, timeoutMs?: number): Promise<void> {
    await this.waitFor(`a record with value ${value}`, (messages) => messages.some((message) => message.value?.toString() === value), timeoutMs);
  }
}
