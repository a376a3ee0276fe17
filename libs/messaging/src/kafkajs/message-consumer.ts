import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import { MessagingError } from '../messaging-error';
import type { BatchHandler, ConsumerHandler, ConsumerOptions, ConsumerRun, MessageConsumer, MessageHandler } from '../ports';
import { fromKafkajsError, toKafkajsError } from './errors';
import { fromKafkajsMessage } from './records';

// How long the broker holds a fetch open when there is nothing to read. kafkajs's 5 s default is also
// how long stop() can wait on an idle consumer; a second costs one small request per idle second.
const maxFetchWaitMs = 1_000;

export class KafkajsMessageConsumer implements MessageConsumer {
  private consumer: Consumer | undefined;
  private end!: { resolve: () => void; reject: (error: Error) => void };
  readonly finished = new Promise<void>((resolve, reject) => {
    this.end = { resolve, reject };
  });

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly sessionTimeoutMs?: number,
  ) {}

  async run(run: ConsumerRun & ConsumerHandler): Promise<void> {
    const { groupId, autoCommit = true } = this.options;
    if (this.consumer) throw new MessagingError(`The consumer of group ${groupId} is already running`, false);
    const session =
      // kafkajs heartbeats every 3 s by default; a session must outlast a few missed ones.
      this.sessionTimeoutMs === undefined ? {} : { sessionTimeout: this.sessionTimeoutMs, heartbeatInterval: Math.min(3_000, Math.floor(this.sessionTimeoutMs / 3)) };
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: maxFetchWaitMs, ...session });
    this.consumer = consumer;
    // Nobody need wait for the end of a consumer that is only ever stopped.
    this.finished.catch(() => undefined);
    consumer.on(consumer.events.CRASH, ({ payload: { error, restart } }) => {
      // kafkajs restarts after retriable errors itself; after any other, this consumer is done.
      if (!restart) this.end.reject(fromKafkajsError(error, `consume ${run.topics.join(', ')} in group ${groupId}`));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...run.topics], fromBeginning: run.fromBeginning ?? false });
      await consumer.run({
        autoCommit,
        // Resolving is the handler's job: kafkajs would otherwise resolve the whole batch when a
        // handler returns early because it is stopping, and skip what it never handled.
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: run.partitionsAtOnce ?? 1,
        ...('eachBatch' in run ? { eachBatch: forKafkajsBatch(consumer, run.eachBatch) } : { eachMessage: forKafkajsMessage(run.eachMessage) }),
      });
    } catch (error) {
      await this.stop();
      throw fromKafkajsError(error, `start consuming ${run.topics.join(', ')} in group ${groupId}`);
    }
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
    this.end.resolve();
  }
}

function forKafkajsBatch(consumer: Consumer, handler: BatchHandler): NonNullable<ConsumerRunConfig['eachBatch']> {
  return async ({ batch: { topic, partition, messages }, resolveOffset, heartbeat, isRunning, isStale }) => {
    try {
      await handler(
        { topic, partition, messages: messages.map((message) => fromKafkajsMessage(topic, partition, message)) },
        {
          resolveOffset,
          heartbeat: translated(heartbeat),
          seek: (offset) => consumer.seek({ topic, partition, offset }),
          isRunning,
          isStale,
        },
      );
    } catch (error) {
      throw toKafkajsError(error);
    }
  };
}

function forKafkajsMessage(handler: MessageHandler): NonNullable<ConsumerRunConfig['eachMessage']> {
  return async ({ topic, partition, message, heartbeat }) => {
    try {
      await handler(fromKafkajsMessage(topic, partition, message), { heartbeat: translated(heartbeat) });
    } catch (error) {
      throw toKafkajsError(error);
    }
  };
}

function translated(heartbeat: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await heartbeat();
    } catch (error) {
      throw fromKafkajsError(error, 'send a heartbeat to the group');
    }
  };
}
