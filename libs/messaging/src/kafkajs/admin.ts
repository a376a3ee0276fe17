import type { Admin, Kafka } from 'kafkajs';
import type { CommittedOffset, MessagingAdmin, TopicSpec } from '../ports';
import { fromKafkajsError } from './errors';
import { LazyConnection } from './lazy-connection';

// Also how long topic creation waits for the new partitions to have leaders.
const createTopicsTimeoutMs = 30_000;

export class KafkajsAdmin implements MessagingAdmin {
  private readonly connection: LazyConnection<Admin>;

  constructor(kafka: Kafka) {
    this.connection = new LazyConnection('admin client', () => kafka.admin());
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.connection.get();
    try {
      // Only the missing ones: kafkajs skips waiting for leaders as soon as one topic already exists.
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic.name));
      if (missing.length === 0) return;
      await admin.createTopics({
        topics: missing.map(({ name, partitions, replicationFactor, config = {} }) => ({
          topic: name,
          numPartitions: partitions,
          replicationFactor,
          configEntries: Object.entries(config).map(([configName, value]) => ({ name: configName, value })),
        })),
        timeout: createTopicsTimeoutMs,
        waitForLeaders: true,
      });
    } catch (error) {
      throw fromKafkajsError(error, `create topics ${topics.map((topic) => topic.name).join(', ')}`);
    }
  }

  async fetchCommittedOffsets(groupId: string, topic: string): Promise<readonly CommittedOffset[]> {
    const admin = await this.connection.get();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      // Kafka answers -1 for a partition the group has committed nothing in.
      return (offsets?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset: offset === '-1' ? null : offset }));
    } catch (error) {
      throw fromKafkajsError(error, `fetch the offsets group ${groupId} committed in ${topic}`);
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
