import type { Kafka, Producer, Transaction as KafkajsTransaction } from 'kafkajs';
import type { OutgoingMessage } from '../messages';
import { MessagingError } from '../messaging-error';
import type { ConsumedOffset, Transaction, TransactionalProducer } from '../ports';
import { fromKafkajsError } from './errors';
import type { MessagingLog } from './log';
import { partitioner } from './message-producer';
import { toTopicMessages } from './records';

export interface TransactionalProducerOptions {
  readonly transactionTimeoutMs: number;
  readonly log: MessagingLog;
}

/**
 * One kafkajs producer per transactional id, created on first use and kept while its transactions
 * end cleanly. A producer whose transaction did not end cleanly is disconnected and forgotten: kafkajs
 * cannot be trusted with it any more (a failed commit leaves it stuck in the committing state, a
 * failed send may leave its sequence numbers out of step with the broker's), and a new producer
 * registering the same id restores a known state by fencing the old one.
 */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  private readonly producers = new Map<string, Promise<Producer>>();
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TransactionalProducerOptions,
  ) {}

  async initTransactions(transactionalId: string): Promise<boolean> {
    const registers = !this.producers.has(transactionalId);
    await this.producerFor(transactionalId);
    return registers;
  }

  async withTransaction<Result>(transactionalId: string, work: (transaction: Transaction) => Promise<Result>): Promise<Result> {
    const producer = await this.producerFor(transactionalId);
    let transaction: KafkajsTransaction;
    try {
      transaction = await producer.transaction();
    } catch (error) {
      throw fromKafkajsError(error, `begin a transaction as ${transactionalId}`);
    }
    const tracked = new TrackedTransaction(transaction);
    let result: Result;
    try {
      result = await work(tracked);
    } catch (workError) {
      await this.abort(transactionalId, transaction, tracked.failedToSend);
      throw workError;
    }
    try {
      await transaction.commit();
    } catch (error) {
      // Never abort here: the broker may have committed already. Only a new registration of the id
      // settles the outcome, and it happens when the id is next used.
      await this.drop(transactionalId);
      throw fromKafkajsError(error, `commit the transaction of ${transactionalId}; whether it committed is unknown`);
    }
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.producers.keys()].map((transactionalId) => this.drop(transactionalId)));
  }

  private producerFor(transactionalId: string): Promise<Producer> {
    if (this.closed) return Promise.reject(new MessagingError('The transactional producer is closed', false));
    let producer = this.producers.get(transactionalId);
    if (!producer) {
      producer = this.register(transactionalId);
      this.producers.set(transactionalId, producer);
      producer.catch(() => {
        if (this.producers.get(transactionalId) === producer) this.producers.delete(transactionalId);
      });
    }
    return producer;
  }

  private async register(transactionalId: string): Promise<Producer> {
    const producer = this.kafka.producer({
      transactionalId,
      transactionTimeout: this.options.transactionTimeoutMs,
      // Transactional records are idempotent whatever this says; true would only make connect()
      // register a second, non-transactional producer id.
      idempotent: false,
      maxInFlightRequests: 1,
      createPartitioner: partitioner,
    });
    try {
      await producer.connect();
      // kafkajs registers the id with the broker only when the first transaction begins. Beginning an
      // empty one does it now, and ending it sends nothing to the broker.
      const registration = await producer.transaction();
      await registration.abort();
      return producer;
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw fromKafkajsError(error, `register transactional id ${transactionalId}`);
    }
  }

  private async abort(transactionalId: string, transaction: KafkajsTransaction, failedToSend: boolean): Promise<void> {
    try {
      await transaction.abort();
    } catch (error) {
      this.options.log({
        level: 'warn',
        namespace: 'TransactionalProducer',
        message: `Aborting the transaction of ${transactionalId} failed; the producer is replaced, which aborts it`,
        details: { error: error instanceof Error ? error.message : String(error) },
      });
      await this.drop(transactionalId);
      return;
    }
    if (failedToSend) await this.drop(transactionalId);
  }

  private async drop(transactionalId: string): Promise<void> {
    const producer = this.producers.get(transactionalId);
    this.producers.delete(transactionalId);
    const connected = await producer?.catch(() => undefined);
    await connected?.disconnect().catch(() => undefined);
  }
}

/** The port's view of a kafkajs transaction, noting whether any send failed. */
class TrackedTransaction implements Transaction {
  failedToSend = false;

  constructor(private readonly transaction: KafkajsTransaction) {}

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.transaction.sendBatch({ topicMessages: toTopicMessages(messages) });
    } catch (error) {
      this.failedToSend = true;
      throw fromKafkajsError(error, `send ${messages.length} message(s) in a transaction`);
    }
  }

  async sendOffsets({ consumerGroupId, topic, partition, offset }: ConsumedOffset): Promise<void> {
    try {
      await this.transaction.sendOffsets({ consumerGroupId, topics: [{ topic, partitions: [{ partition, offset }] }] });
    } catch (error) {
      this.failedToSend = true;
      throw fromKafkajsError(error, `send the offset of group ${consumerGroupId} in a transaction`);
    }
  }
}
