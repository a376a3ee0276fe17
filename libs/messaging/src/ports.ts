import type { IncomingMessage, OutgoingMessage } from './messages';

/**
 * Writes records with an idempotent producer: a retried send after a lost acknowledgement does not
 * duplicate them. Each call is one batch; records for one key stay in the order given.
 */
export interface MessageProducer {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** Where a consumer group has read up to in one partition: the next offset it will read. */
export interface ConsumedOffset {
  readonly consumerGroupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** What a unit of work may do inside one Kafka transaction. */
export interface Transaction {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Commits the group's offset together with the records: both become visible, or neither. */
  sendOffsets(offset: ConsumedOffset): Promise<void>;
}

/**
 * Kafka transactions, one producer per transactional id. At most one transaction per id may be open
 * at a time; different ids run independently.
 */
export interface TransactionalProducer {
  /**
   * Registers `transactionalId` with the broker unless this producer already holds it. Registering
   * fences every earlier holder of the id and completes or aborts the transaction it left open, so
   * only after it are offsets committed under that id final. Resolves to true when it registered,
   * that is, when anything read before it about the id's work may be stale.
   */
  initTransactions(transactionalId: string): Promise<boolean>;
  /**
   * Runs `work` in a transaction and commits it when `work` resolves; aborts it and rethrows when
   * `work` throws. When the commit itself fails, whether it happened is unknown: the producer is
   * dropped rather than aborted, and the error says so; the next call registers the id afresh.
   */
  withTransaction<Result>(transactionalId: string, work: (transaction: Transaction) => Promise<Result>): Promise<Result>;
}

export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly IncomingMessage[];
}

export interface MessageContext {
  /**
   * Tells the group this member is alive. Call it during long work, or the group hands the
   * partition to another member. It throws when the group is rebalancing: let that error out.
   */
  heartbeat(): Promise<void>;
}

export interface BatchContext extends MessageContext {
  /**
   * Marks a message as processed. Messages not resolved when the handler returns are delivered
   * again; with auto-commit, resolved offsets are what the group commits.
   */
  resolveOffset(offset: string): void;
  /** Makes the next fetch of this batch's partition start at `offset`. */
  seek(offset: string): void;
  /** False once the consumer is stopping: return without touching the remaining messages. */
  isRunning(): boolean;
  /** True once a seek or a rebalance made the rest of this batch obsolete: return. */
  isStale(): boolean;
}

export type BatchHandler = (batch: MessageBatch, context: BatchContext) => Promise<void>;
export type MessageHandler = (message: IncomingMessage, context: MessageContext) => Promise<void>;

export interface ConsumerOptions {
  readonly groupId: string;
  /**
   * Whether the group commits the offsets of handled messages (at-least-once). Turn it off on the
   * exactly-once path, where offsets move only inside producer transactions. Defaults to true.
   */
  readonly autoCommit?: boolean;
}

export type ConsumerHandler = { readonly eachBatch: BatchHandler } | { readonly eachMessage: MessageHandler };

export interface ConsumerRun {
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: the oldest record, or only new ones (default). */
  readonly fromBeginning?: boolean;
  /**
   * Batches of this many partitions handled at once (1 by default), each partition's still in order:
   * a handler that waits on the broker for long (a transaction's acknowledgements) then overlaps
   * its waits with another partition's work.
   */
  readonly partitionsAtOnce?: number;
}

/**
 * A member of a consumer group. It reads with read_committed isolation only: records of open or
 * aborted transactions are never delivered. Delivery is at-least-once: a handler that throws gets
 * its unresolved messages again, after a back-off; a handler must therefore be idempotent, and
 * should throw only for faults that a retry can cure (a bad message is a result, not an error).
 */
export interface MessageConsumer {
  /** Joins the group and starts handling; resolves once the group has given this member its partitions. */
  run(options: ConsumerRun & ConsumerHandler): Promise<void>;
  /** Lets the batch in hand finish, leaves the group and disconnects. */
  stop(): Promise<void>;
  /**
   * Settles when the consumer ends: resolves after `stop()`, rejects when it crashed and will not
   * restart by itself (a fatal producer or broker error), so that its owner can start a new one.
   */
  readonly finished: Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level settings such as `retention.ms`, as Kafka names them. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface CommittedOffset {
  readonly partition: number;
  /** `null` when the group has committed nothing for the partition. */
  readonly offset: string | null;
}

export interface MessagingAdmin {
  /** Creates the topics that do not exist yet. A topic that exists is left as it is, whatever its settings. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** The group's committed offset in each partition of `topic`. */
  fetchCommittedOffsets(groupId: string, topic: string): Promise<readonly CommittedOffset[]>;
  /** The offset the next record of each partition of `topic` will get: with the committed ones, a group's lag. */
  fetchEndOffsets(topic: string): Promise<ReadonlyArray<{ readonly partition: number; readonly offset: string }>>;
  /** Resolves when the cluster answers a metadata request: readiness. */
  ping(): Promise<void>;
}

/** Everything the service needs from Kafka, behind the project's own types. */
export interface Messaging {
  readonly producer: MessageProducer;
  readonly transactions: TransactionalProducer;
  readonly admin: MessagingAdmin;
  createConsumer(options: ConsumerOptions): MessageConsumer;
  /** Stops the consumers created here, then disconnects the producers and the admin client. */
  close(): Promise<void>;
}
