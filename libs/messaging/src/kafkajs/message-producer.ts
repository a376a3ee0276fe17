import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { OutgoingMessage } from '../messages';
import type { MessageProducer } from '../ports';
import { fromKafkajsError } from './errors';
import { LazyConnection } from './lazy-connection';
import { toTopicMessages } from './records';

/**
 * kafkajs's Java-compatible murmur2 partitioner, named explicitly: the same key lands in the same
 * partition as with Java clients, and kafkajs does not warn that its default changed in v2.
 */
export const partitioner = Partitioners.DefaultPartitioner;

// An idempotent producer needs acknowledgement from all in-sync replicas.
const allReplicas = -1;

export class KafkajsMessageProducer implements MessageProducer {
  private readonly connection: LazyConnection<Producer>;

  constructor(kafka: Kafka) {
    this.connection = new LazyConnection('idempotent producer', () => kafka.producer({ idempotent: true, createPartitioner: partitioner }));
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connection.get();
    try {
      await producer.sendBatch({ topicMessages: toTopicMessages(messages), acks: allReplicas });
    } catch (error) {
      throw fromKafkajsError(error, `send ${messages.length} message(s)`);
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
