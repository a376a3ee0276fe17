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
});
