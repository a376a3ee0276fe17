import { Kafka, logLevel } from 'kafkajs';
import { harnessEnv } from '../../../../test/harness/env';
import { Inbox, kafkaTestTimeoutMs, messagingTestKit, singlePartitionTopic, uniqueName } from '../../test/kafka-test-kit';

describe('Kafka transactions seen by a read_committed consumer', () => {
  jest.setTimeout(kafkaTestTimeoutMs);
  const kit = messagingTestKit();

  it("shows a transaction's records only once it commits, and an aborted transaction's never", async () => {
    const messaging = kit.connect();
    const transactional = singlePartitionTopic('transactional');
    const plain = singlePartitionTopic('plain');
    await messaging.admin.createTopics([transactional, plain]);
    const reader = new Inbox();
    await messaging
      .createConsumer({ groupId: uniqueName('reader') })
      .run({ topics: [transactional.name, plain.name], fromBeginning: true, eachMessage: reader.add });
    const transactionalId = uniqueName('producer');
    const batch = (name: string) => [0, 1, 2].map((index) => ({ topic: transactional.name, key: `${name}-${index}`, value: `${name}-${index}` }));

    await messaging.transactions.withTransaction(transactionalId, async (transaction) => {
      await transaction.send(batch('A'));
      // The broker answers a read_committed fetch for both topics at once. Once the reader has
      // handled a fetch that holds a plain record written after A, and the fetch after that, it
      // has been offered everything written before: A must not be among it while A is open.
      for (const marker of ['written-after-A', 'written-after-that']) {
        await messaging.producer.send([{ topic: plain.name, value: marker }]);
        await reader.waitForValue(marker);
      }
      expect(reader.values(transactional.name)).toEqual([]);
    });
    await expect(
      messaging.transactions.withTransaction(transactionalId, async (transaction) => {
        await transaction.send(batch('B'));
        throw new Error('B is given up');
      }),
    ).rejects.toThrow('B is given up');
    await messaging.transactions.withTransaction(transactionalId, (transaction) => transaction.send(batch('C')));

    await reader.waitForValue('C-2');
    expect(reader.values(transactional.name)).toEqual(['A-0', 'A-1', 'A-2', 'C-0', 'C-1', 'C-2']);
  });

  it('keeps the producer of a transaction that was aborted cleanly', async () => {
    const messaging = kit.connect();
    const topic = singlePartitionTopic('kept');
    await messaging.admin.createTopics([topic]);
    const transactionalId = uniqueName('producer');

    await expect(messaging.transactions.initTransactions(transactionalId)).resolves.toBe(true);
    await expect(
      messaging.transactions.withTransaction(transactionalId, async (transaction) => {
        await transaction.send([{ topic: topic.name, value: 'given up' }]);
        throw new Error('given up');
      }),
    ).rejects.toThrow('given up');

    await expect(messaging.transactions.initTransactions(transactionalId)).resolves.toBe(false);
  });

  it('looks the transaction and group coordinators up once, not before every request of every transaction', async () => {
    const messaging = kit.connect();
    const topic = singlePartitionTopic('coordinators');
    await messaging.admin.createTopics([topic]);
    // A group with a member, as a worker's is: the broker has loaded its coordinator.
    const groupId = uniqueName('group');
    const member = new Inbox();
    await messaging.createConsumer({ groupId }).run({ topics: [topic.name], fromBeginning: true, eachMessage: member.add });
    await messaging.producer.send([{ topic: topic.name, value: 'joined' }]);
    await member.waitForValue('joined');
    const kafka = new Kafka({ clientId: uniqueName('coordinators'), brokers: harnessEnv('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: uniqueName('producer'), idempotent: true, maxInFlightRequests: 1 });
    const requests: string[] = [];
    producer.on(producer.events.REQUEST, ({ payload }) => requests.push(payload.apiName));
    await producer.connect();
    const transact = async (index: number) => {
      const transaction = await producer.transaction();
      await transaction.send({ topic: topic.name, messages: [{ value: `record-${index}` }] });
      await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: topic.name, partitions: [{ partition: 0, offset: String(index + 1) }] }] });
      await transaction.commit();
    };
    try {
      // The first transaction finds both coordinators, as often as a fresh broker makes it.
      await transact(0);
      requests.length = 0;
      const transactions = 5;
      for (let index = 1; index <= transactions; index++) await transact(index);

      const count = (apiName: string) => requests.filter((name) => name === apiName).length;
      expect(count('EndTxn')).toBe(transactions);
      // Without remembering them, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn
      // each looked theirs up first: four lookups a transaction.
      expect(count('GroupCoordinator')).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });
});
