import { Inbox, kafkaTestTimeoutMs, messagingTestKit, singlePartitionTopic, uniqueName } from '../test/kafka-test-kit';
import { exactlyOnceBatchHandler, replaceOutput, transactionalIdFor, type OutputReplacement } from './exactly-once';
import type { IncomingMessage } from './messages';
import type { Messaging, Transaction, TransactionalProducer } from './ports';

describe('consume-transform-produce with the offsets in the transaction', () => {
  jest.setTimeout(kafkaTestTimeoutMs);
  const kit = messagingTestKit();

  it('writes every input exactly once after an abort mid-way and a restart', async () => {
    const setup = kit.connect();
    const input = { name: uniqueName('input'), partitions: 2, replicationFactor: 1 };
    const output = singlePartitionTopic('output');
    await setup.admin.createTopics([input, output]);
    const inputIds = Array.from({ length: 12 }, (_, index) => `input-${index}`);
    await setup.producer.send(inputIds.map((id) => ({ topic: input.name, key: id, value: id })));
    const groupId = uniqueName('transformer');

    // The first worker fails the second input of partition 0 once after writing its output, and dies
    // at the fourth. Partition 0 is the one to watch: within a partition, work is strictly in order.
    const attemptsOfFirstWorker = new Map<string, number>();
    const firstWorker = kit.connect();
    await startTransformer(firstWorker, groupId, input.name, async (message, transaction) => {
      const attempt = (attemptsOfFirstWorker.get(positionOf(message)) ?? 0) + 1;
      attemptsOfFirstWorker.set(positionOf(message), attempt);
      await transaction.send([outputOf(message, output.name, `first worker, attempt ${attempt}`)]);
      if (positionOf(message) === failsOnce && attempt === 1) throw new Error(`${failsOnce} fails once`);
      if (positionOf(message) === diesAt) throw new Error(`the first worker dies at ${diesAt}`);
    });
    await waitUntil(`the first worker to reach ${diesAt}`, () => attemptsOfFirstWorker.has(diesAt));
    await firstWorker.close();

    const secondWorker = kit.connect();
    await startTransformer(secondWorker, groupId, input.name, async (message, transaction) => {
      await transaction.send([outputOf(message, output.name, 'second worker')]);
    });
    const reader = new Inbox();
    await secondWorker.createConsumer({ groupId: uniqueName('reader') }).run({ topics: [output.name], fromBeginning: true, eachMessage: reader.add });
    await reader.waitFor('an output for every input', (messages) => inputIds.every((id) => messages.some((message) => message.key === id)));
    await secondWorker.close();
    // Anything the workers committed is before this record; once it is read, all of it has been.
    await setup.producer.send([{ topic: output.name, key: 'end', value: 'end' }]);
    const finalReader = new Inbox();
    await setup.createConsumer({ groupId: uniqueName('reader') }).run({ topics: [output.name], fromBeginning: true, eachMessage: finalReader.add });
    await finalReader.waitForValue('end');

    const outputs = finalReader.messages.filter((message) => message.key !== 'end');
    expect(outputs.map((message) => message.key).sort()).toEqual([...inputIds].sort());
    const outputAt = (position: string) => outputs.find((message) => positionOf(message) === position)?.value?.toString();
    expect(outputAt(failsOnce)).toMatch(/^first worker, attempt 2 of /);
    expect(outputAt(diesAt)).toMatch(/^second worker of /);
    const committed = await setup.admin.fetchCommittedOffsets(groupId, input.name);
    for (const { partition, offset } of committed) {
      const inputOffsets = outputs
        .filter((message) => message.headers['input-partition'] === String(partition))
        .map((message) => Number(message.headers['input-offset']));
      // In input order, without a gap: the outputs of each partition are its inputs, one each.
      expect(inputOffsets).toEqual(inputOffsets.map((_, index) => index));
      expect(offset).toBe(inputOffsets.length === 0 ? null : String(inputOffsets.length));
    }
  });

  it('commits a replacement for a message whose output is discarded, without reading the message again', async () => {
    const setup = kit.connect();
    const input = singlePartitionTopic('input');
    const output = singlePartitionTopic('output');
    await setup.admin.createTopics([input, output]);
    const inputIds = ['input-0', 'input-1', 'input-2'];
    await setup.producer.send(inputIds.map((id) => ({ topic: input.name, key: id, value: id })));
    const groupId = uniqueName('transformer');

    // The middle input writes two records and then turns out bad: they must vanish, and its
    // replacement must commit in their place, once, with the input's offset.
    const reads = new Map<string, number>();
    const worker = kit.connect();
    await startTransformer(worker, groupId, input.name, async (message, transaction) => {
      reads.set(message.offset, (reads.get(message.offset) ?? 0) + 1);
      await transaction.send([outputOf(message, output.name, 'worker'), outputOf(message, output.name, 'worker, second record')]);
      if (message.offset !== '1') return;
      return replaceOutput((replacing) => replacing.send([outputOf(message, output.name, 'replacement')]));
    });
    await setup.producer.send([{ topic: input.name, key: 'end', value: 'end' }]);
    const reader = new Inbox();
    await setup.createConsumer({ groupId: uniqueName('reader') }).run({ topics: [output.name], fromBeginning: true, eachMessage: reader.add });
    await reader.waitFor('the output of the last input', (messages) => messages.some((message) => message.key === 'end'));
    await worker.close();

    expect(reader.values(output.name)).toEqual([
      'worker of input-0',
      'worker, second record of input-0',
      'replacement of input-1',
      'worker of input-2',
      'worker, second record of input-2',
      'worker of end',
      'worker, second record of end',
    ]);
    expect([...reads.values()]).toEqual([1, 1, 1, 1]);
    await expect(setup.admin.fetchCommittedOffsets(groupId, input.name)).resolves.toEqual([{ partition: 0, offset: '4' }]);
  });

  it("does not redo the work a partition's previous holder committed after the consumer read its start offset", async () => {
    const setup = kit.connect();
    const input = singlePartitionTopic('input');
    const output = singlePartitionTopic('output');
    await setup.admin.createTopics([input, output]);
    const inputIds = Array.from({ length: 6 }, (_, index) => `input-${index}`);
    await setup.producer.send(inputIds.map((id) => ({ topic: input.name, key: id, value: id })));
    const groupId = uniqueName('transformer');

    // The consumer below has read its start offset (nothing committed: the beginning) and fetched
    // its first batch when the previous holder, not yet fenced, commits the first three inputs.
    const previousHolder = kit.connect();
    const previousHolderCommits = async () => {
      await previousHolder.transactions.withTransaction(transactionalIdFor(groupId, input.name, 0), async (transaction) => {
        await transaction.send(inputIds.slice(0, 3).map((id, offset) => outputOf({ ...inputAt(input.name, offset), key: id }, output.name, 'previous holder')));
        await transaction.sendOffsets({ consumerGroupId: groupId, topic: input.name, partition: 0, offset: '3' });
      });
    };
    const successor = kit.connect();
    let previousHolderHasCommitted = false;
    const transactions: TransactionalProducer = {
      initTransactions: async (transactionalId) => {
        if (!previousHolderHasCommitted) {
          previousHolderHasCommitted = true;
          await previousHolderCommits();
        }
        return successor.transactions.initTransactions(transactionalId);
      },
      withTransaction: (transactionalId, work) => successor.transactions.withTransaction(transactionalId, work),
    };
    await successor.createConsumer({ groupId, autoCommit: false }).run({
      topics: [input.name],
      fromBeginning: true,
      eachBatch: exactlyOnceBatchHandler({
        groupId,
        transactions,
        admin: successor.admin,
        process: (message, transaction) => transaction.send([outputOf(message, output.name, 'successor')]),
      }),
    });
    const reader = new Inbox();
    await setup.createConsumer({ groupId: uniqueName('reader') }).run({ topics: [output.name], fromBeginning: true, eachMessage: reader.add });
    await reader.waitFor('an output for every input', (messages) => inputIds.every((id) => messages.some((message) => message.key === id)));
    await successor.close();
    await setup.producer.send([{ topic: output.name, key: 'end', value: 'end' }]);
    await reader.waitForValue('end');

    expect(reader.values(output.name)).toEqual([
      'previous holder of input-0',
      'previous holder of input-1',
      'previous holder of input-2',
      'successor of input-3',
      'successor of input-4',
      'successor of input-5',
      'end',
    ]);
    await expect(setup.admin.fetchCommittedOffsets(groupId, input.name)).resolves.toEqual([{ partition: 0, offset: '6' }]);
  });
});

async function startTransformer(
  messaging: Messaging,
  groupId: string,
  topic: string,
  process: (message: IncomingMessage, transaction: Transaction) => Promise<void | OutputReplacement>,
): Promise<void> {
  await messaging.createConsumer({ groupId, autoCommit: false }).run({
    topics: [topic],
    fromBeginning: true,
    eachBatch: exactlyOnceBatchHandler({ groupId, transactions: messaging.transactions, admin: messaging.admin, process }),
  });
}

const failsOnce = '0/1';
const diesAt = '0/3';

/** Where an input sits, also for an output, which names its input in headers. */
function positionOf(message: IncomingMessage): string {
  const partition = message.headers['input-partition'] ?? message.partition;
  const offset = message.headers['input-offset'] ?? message.offset;
  return `${partition}/${offset}`;
}

function inputAt(topic: string, offset: number): IncomingMessage {
  return { topic, partition: 0, offset: String(offset), key: null, value: null, headers: {}, timestamp: new Date(0) };
}

function outputOf(message: IncomingMessage, topic: string, writer: string) {
  return {
    topic,
    key: message.key,
    value: `${writer} of ${message.key}`,
    headers: { 'input-partition': String(message.partition), 'input-offset': message.offset },
  };
}

async function waitUntil(what: string, holds: () => boolean): Promise<void> {
  await new Inbox().waitFor(what, holds);
}
