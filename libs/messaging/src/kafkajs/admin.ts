import { setTimeout as delay } from 'node:timers/promises';
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
        // kafkajs's own wait gives up when the broker answers that it does not host a partition
        // yet (tulios/kafkajs#1222), which it does right after creating it: we wait ourselves.
        waitForLeaders: false,
      });
      await this.waitForLeaders(admin, missing.map((topic) => topic.name));
    } catch (error) {
      throw fromKafkajsError(error, `create topics ${topics.map((topic) => topic.name).join(', ')}`);
    }
  }

  /** Until every partition of the new topics has a leader: only then can clients use them. */
  private async waitForLeaders(admin: Admin, names: readonly string[]): Promise<void> {
    const deadline = Date.now() + createTopicsTimeoutMs;
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
        const ready = topics.every(({ partitions }) => partitions.length > 0 && partitions.every(({ leader, partitionErrorCode }) => leader >= 0 && partitionErrorCode === 0));
        if (ready) return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`the partitions of ${names.join(', ')} have no leader after ${createTopicsTimeoutMs} ms`);
      await delay(100);
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

  async fetchEndOffsets(topic: string): Promise<ReadonlyArray<{ readonly partition: number; readonly offset: string }>> {
    const admin = await this.connection.get();
    try {
      return (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }));
    } catch (error) {
      throw fromKafkajsError(error, `fetch the end offsets of ${topic}`);
    }
  }

  async ping(): Promise<void> {
    const admin = await this.connection.get();
    try {
      await admin.describeCluster();
    } catch (error) {
      throw fromKafkajsError(error, 'describe the cluster');
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
