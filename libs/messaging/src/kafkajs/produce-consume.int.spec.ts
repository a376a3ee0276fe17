import { KafkaJSNonRetriableError } from 'kafkajs';
import { Inbox, kafkaTestTimeoutMs, messagingTestKit, singlePartitionTopic, uniqueName } from '../../test/kafka-test-kit';

describe('plain produce and consume', () => {
  jest.setTimeout(kafkaTestTimeoutMs);
  const kit = messagingTestKit();

  it('carries keys, values and headers through unchanged, and commits what was handled', async () => {
    const messaging = kit.connect();
    const topic = singlePartitionTopic('round-trip');
    await messaging.admin.createTopics([topic]);
    const sentAt = Date.now();

    await messaging.producer.send([
      { topic: topic.name, key: 'job-1', value: '{"type":"JobRequested","version":1}', headers: { 'content-type': 'application/json', 'trace-id': 'ä-1' } },
      { topic: topic.name, key: null, value: Buffer.from([0x00, 0xff, 0x7f]) },
      { topic: topic.name, key: 'job-1', value: null, headers: { ['__proto__']: 'plain data' } },
    ]);
    const groupId = uniqueName('round-trip');
    const consumer = messaging.createConsumer({ groupId });
    const inbox = new Inbox();
    await consumer.run({ topics: [topic.name], fromBeginning: true, eachMessage: inbox.add });
    await inbox.waitFor('three records', (messages) => messages.length === 3);
    await consumer.stop();

    expect(inbox.messages).toEqual([
      {
        topic: topic.name,
        partition: 0,
        offset: '0',
        key: 'job-1',
        value: Buffer.from('{"type":"JobRequested","version":1}'),
        headers: { 'content-type': 'application/json', 'trace-id': 'ä-1' },
        timestamp: expect.any(Date),
      },
      { topic: topic.name, partition: 0, offset: '1', key: null, value: Buffer.from([0x00, 0xff, 0x7f]), headers: {}, timestamp: expect.any(Date) },
      { topic: topic.name, partition: 0, offset: '2', key: 'job-1', value: null, headers: { ['__proto__']: 'plain data' }, timestamp: expect.any(Date) },
    ]);
    expect(inbox.messages[0]?.timestamp.getTime()).toBeGreaterThanOrEqual(sentAt - 60_000);
    await expect(messaging.admin.fetchCommittedOffsets(groupId, topic.name)).resolves.toEqual([{ partition: 0, offset: '3' }]);
  });

  it('ends `finished` with the error when the consumer crashes for good, and resolves it on stop', async () => {
    const messaging = kit.connect();
    const topic = singlePartitionTopic('crash');
    await messaging.admin.createTopics([topic]);
    await messaging.producer.send([{ topic: topic.name, value: 'fatal' }]);
    const crashing = messaging.createConsumer({ groupId: uniqueName('crash') });
    await crashing.run({
      topics: [topic.name],
      fromBeginning: true,
      eachMessage: async () => {
        // What kafkajs raises for a fatal producer error (an out-of-order sequence number).
        throw new KafkaJSNonRetriableError('the producer is fenced for good');
      },
    });

    await expect(crashing.finished).rejects.toThrow('the producer is fenced for good');
    await crashing.stop();
    const stopped = messaging.createConsumer({ groupId: uniqueName('stopped') });
    await stopped.run({ topics: [topic.name], eachMessage: async () => undefined });
    await stopped.stop();
    await expect(stopped.finished).resolves.toBeUndefined();
  });

  it('delivers a batch again from the first offset its handler did not resolve', async () => {
    const messaging = kit.connect();
    const topic = singlePartitionTopic('redelivery');
    await messaging.admin.createTopics([topic]);
    await messaging.producer.send(['first', 'second', 'third'].map((value) => ({ topic: topic.name, value })));
    const inbox = new Inbox();
    let failed = false;

    await messaging.createConsumer({ groupId: uniqueName('redelivery') }).run({
      topics: [topic.name],
      fromBeginning: true,
      eachBatch: async ({ messages }, context) => {
        for (const message of messages) {
          if (message.value?.toString() === 'second' && !failed) {
            failed = true;
            throw new Error('second fails once');
          }
          await inbox.add(message);
          context.resolveOffset(message.offset);
        }
      },
    });
    await inbox.waitForValue('third');

    expect(inbox.values()).toEqual(['first', 'second', 'third']);
  });
});
