import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { waitFor } from '../../tools/stack/wait-for';
import { harnessEnv } from './env';

describe('the Kafka harness', () => {
  // Quiet: kafkajs logs every retried "coordinator is loading" answer of a fresh broker as an error.
  const kafka = new Kafka({ clientId: 'harness-smoke', brokers: harnessEnv('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('answers as a one-broker cluster', async () => {
    const cluster = await admin.describeCluster();

    expect(cluster.brokers).toHaveLength(1);
  });

  it('creates a topic with the partitions asked for', async () => {
    const topic = `harness-smoke-${randomUUID()}`;

    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
  });

  // The workers publish in transactions; on one node that works only with the transaction log's
  // replication settings lowered, which this proves.
  it('commits a transaction', async () => {
    const topic = `harness-smoke-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({
      transactionalId: `harness-smoke-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: [{ value: 'committed' }] });
      await transaction.commit();
    } finally {
      await producer.disconnect();
    }

    // The coordinator writes the commit marker after commit() returns. fetchTopicOffsets reports
    // read-committed offsets, which reach 2 (the record, then the marker) only once it is written.
    await waitFor('the committed record and its commit marker', async () => {
      const [partition] = await admin.fetchTopicOffsets(topic);
      return partition?.high === '2';
    });
  });
});
