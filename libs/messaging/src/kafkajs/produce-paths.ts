// kafkajs's produce path twice over (its partitioner's hash, grouping by partition, request encoding
// and CRC-32C): as patches/kafkajs+2.2.4.patch leaves it (node_modules/kafkajs, patched by npm ci)
// and as published (kafkajs-reference, an alias that patch-package does not touch). Only the
// golden-bytes test and the encoding bench load these.
/* eslint-disable @typescript-eslint/no-require-imports */

export interface ProducePartition {
  readonly partition: number;
  readonly messages: readonly unknown[];
  readonly firstSequence?: number;
}

export interface ProduceArgs {
  readonly acks: number;
  readonly timeout: number;
  readonly compression?: number;
  readonly transactionalId?: string;
  readonly producerId?: number | string;
  readonly producerEpoch?: number;
  readonly topicData: readonly { readonly topic: string; readonly partitions: readonly ProducePartition[] }[];
}

interface Encoder {
  readonly buffer: Buffer;
}

interface ProduceProtocol {
  protocol(options: { version: number }): (args: ProduceArgs) => { request: unknown };
}

type CreateRequest = (options: { correlationId: number; clientId: string; request: unknown }) => Promise<Encoder>;

type Partitioner = (options: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;
type GroupMessagesPerPartition = (options: {
  topic: string;
  partitionMetadata: unknown[];
  messages: readonly unknown[];
  partitioner: Partitioner;
}) => Record<string, unknown[]>;

type Checksum = (buffer: Buffer) => number;

export interface ProducePath {
  /** Java's murmur2, by which kafkajs's default partitioner picks a keyed message's partition. */
  readonly murmur2: (key: unknown) => number;
  readonly createDefaultPartitioner: () => Partitioner;
  readonly groupMessagesPerPartition: GroupMessagesPerPartition;
  /** The bytes written to the socket for a produce request of this version: size prefix, header and body. */
  encode(version: number, args: ProduceArgs, correlationId?: number, clientId?: string): Promise<Buffer>;
  readonly crc32C: Checksum;
}

function producePathOf(
  murmur2: (key: unknown) => number,
  createDefaultPartitioner: () => Partitioner,
  groupMessagesPerPartition: GroupMessagesPerPartition,
  produce: ProduceProtocol,
  createRequest: CreateRequest,
  crc32C: Checksum,
): ProducePath {
  return {
    murmur2,
    createDefaultPartitioner,
    groupMessagesPerPartition,
    async encode(version, args, correlationId = 1, clientId = 'import-jobs') {
      const { request } = produce.protocol({ version })(args);
      return (await createRequest({ correlationId, clientId, request })).buffer;
    },
    crc32C,
  };
}

// Each module by its literal path, so that dependency-cruiser sees which file loads which copy
export const patchedKafkajs = producePathOf(
  require('kafkajs/src/producer/partitioners/default/murmur2') as (key: unknown) => number,
  require('kafkajs/src/producer/partitioners/default') as () => Partitioner,
  require('kafkajs/src/producer/groupMessagesPerPartition') as GroupMessagesPerPartition,
  require('kafkajs/src/protocol/requests/produce') as ProduceProtocol,
  require('kafkajs/src/protocol/request') as CreateRequest,
  require('kafkajs/src/protocol/recordBatch/crc32C') as Checksum,
);

export const publishedKafkajs = producePathOf(
  require('kafkajs-reference/src/producer/partitioners/default/murmur2') as (key: unknown) => number,
  require('kafkajs-reference/src/producer/partitioners/default') as () => Partitioner,
  require('kafkajs-reference/src/producer/groupMessagesPerPartition') as GroupMessagesPerPartition,
  require('kafkajs-reference/src/protocol/requests/produce') as ProduceProtocol,
  require('kafkajs-reference/src/protocol/request') as CreateRequest,
  require('kafkajs-reference/src/protocol/recordBatch/crc32C') as Checksum,
);

/** The patched CRC-32C's two implementations: the native one is null where its prebuilt did not load. */
export const patchedCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as {
  readonly nativeCrc32C: Checksum | null;
  readonly javascriptCrc32C: Checksum;
};
