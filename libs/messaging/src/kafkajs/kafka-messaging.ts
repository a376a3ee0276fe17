import { Kafka } from 'kafkajs';
import type { Messaging } from '../ports';
import { KafkajsAdmin } from './admin';
import { fromKafkajsError } from './errors';
import { kafkajsLogCreator, kafkajsLogLevel, logToConsole, type MessagingLog } from './log';
import { KafkajsMessageConsumer } from './message-consumer';
import { KafkajsMessageProducer } from './message-producer';
import { KafkajsTransactionalProducer } from './transactional-producer';

export interface KafkaMessagingConfig {
  /** `host:port` of one or more brokers to learn the cluster from. */
  readonly brokers: readonly string[];
  /** Names this service in broker logs and quotas. */
  readonly clientId: string;
  /**
   * How long the broker lets a transaction stay open before aborting it, so it must exceed the
   * longest piece. The broker caps it at its `transaction.max.timeout.ms` (15 minutes by default).
   */
  readonly transactionTimeoutMs?: number;
  /**
   * How long a consumer group waits for a member that stopped heartbeating (a killed process)
   * before handing its partitions to the others: kafkajs's 30 s unless given.
   */
  readonly sessionTimeoutMs?: number;
  /** Where warnings and errors go; the console unless given. */
  readonly log?: MessagingLog;
}

// kafkajs's own default, stated so that the choice is visible here.
const defaultTransactionTimeoutMs = 60_000;

export function createKafkaMessaging(config: KafkaMessagingConfig): Messaging {
  const log = config.log ?? logToConsole;
  const kafka = new Kafka({
    brokers: [...config.brokers],
    clientId: config.clientId,
    logLevel: kafkajsLogLevel,
    logCreator: kafkajsLogCreator(log),
  });
  const producer = new KafkajsMessageProducer(kafka);
  const transactions = new KafkajsTransactionalProducer(kafka, {
    transactionTimeoutMs: config.transactionTimeoutMs ?? defaultTransactionTimeoutMs,
    log,
  });
  const admin = new KafkajsAdmin(kafka);
  const consumers: KafkajsMessageConsumer[] = [];

  return {
    producer,
    transactions,
    admin,
    createConsumer(options) {
      const consumer = new KafkajsMessageConsumer(kafka, options, config.sessionTimeoutMs);
      consumers.push(consumer);
      return consumer;
    },
    async close() {
      // Consumers first: a batch still in hand may be using a producer. Every client is closed even
      // when one fails to, so that none keeps the process alive.
      const stopped = await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
      const closed = await Promise.allSettled([producer.close(), transactions.close(), admin.close()]);
      const failure = [...stopped, ...closed].find((outcome) => outcome.status === 'rejected');
      if (failure) throw fromKafkajsError(failure.reason, 'close the messaging clients');
    },
  };
}
