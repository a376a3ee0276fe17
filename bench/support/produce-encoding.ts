/**
 * `npx tsx bench/support/produce-encoding.ts [--records N]`: the CPU time kafkajs spends on each
 * record it produces, before the socket, as published and as patches/kafkajs+2.2.4.patch leaves
 * it: picking the partition and grouping by it, then encoding the produce requests. The records
 * are shaped like the service's own (a key, a JSON value of about 200 bytes, four headers), sent
 * idempotently in requests of 1,000 records over 6 partitions. Every request is first encoded by
 * both and checked to be the same bytes; that pass also warms both up.
 *
 * CPU time rather than wall time: the machine is shared, and a process that waits for a core is
 * not doing the work being measured.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { patchedCrc32C, patchedKafkajs, publishedKafkajs, type ProduceArgs, type ProducePath } from '../../libs/messaging/src/kafkajs/produce-paths';
import { median } from './stats';

const PRODUCE_VERSION = 7;
const RECORDS_PER_REQUEST = 1_000;
const PARTITIONS = 6;
const ROUNDS = 3;

interface Message {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

function messagesOf(records: number): Message[] {
  return Array.from({ length: records }, (_, i) => ({
    key: `job-${(i % 97).toString().padStart(4, '0')}-piece-${i}`,
    value: JSON.stringify({ row: i, name: `customer ${i}`, email: `customer${i}@example.com`, amount: (i * 7.31).toFixed(2), note: 'x'.repeat(96) }),
    headers: { 'tenant-id': 'tenant-0042', 'job-id': '6f1c2a4e-9d3b-4f7a-8c11-2b5e7d9a0c3f', 'message-type': 'RowsParsed', 'schema-version': '3' },
  }));
}

function requestsOf(messages: readonly Message[]): ProduceArgs[] {
  const requests: ProduceArgs[] = [];
  for (let first = 0; first < messages.length; first += RECORDS_PER_REQUEST) {
    const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, firstSequence: first, messages: [] as Message[] }));
    messages.slice(first, first + RECORDS_PER_REQUEST).forEach((message, i) => partitions[i % PARTITIONS]!.messages.push(message));
    requests.push({ acks: -1, timeout: 30_000, producerId: 4_711, producerEpoch: 2, topicData: [{ topic: 'import-job-rows', partitions }] });
  }
  return requests;
}

async function cpuMicroseconds(work: () => unknown): Promise<number> {
  const started = process.cpuUsage();
  await work();
  const { user, system } = process.cpuUsage(started);
  return user + system;
}

async function medianPerRecord(records: number, work: () => unknown): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push((await cpuMicroseconds(work)) / records);
  return median(rounds);
}

async function encodeAll(kafkajs: ProducePath, requests: readonly ProduceArgs[]): Promise<void> {
  for (const [correlationId, request] of requests.entries()) await kafkajs.encode(PRODUCE_VERSION, request, correlationId);
}

function groupAll(kafkajs: ProducePath, messages: readonly Message[]): void {
  const partitionMetadata = Array.from({ length: 2 * PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1 }));
  kafkajs.groupMessagesPerPartition({ topic: 'import-job-rows', partitionMetadata, messages, partitioner: kafkajs.createDefaultPartitioner() });
}

function millisecondsPerMegabyte(crc32C: (buffer: Buffer) => number): number {
  const megabyte = randomBytes(1 << 20);
  const rounds: number[] = [];
  for (let round = 0; round < 20; round++) {
    const started = process.hrtime.bigint();
    crc32C(megabyte);
    rounds.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(rounds);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' } } });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 1) throw new Error(`--records must be a positive integer, not ${values.records}`);

  // A record without a timestamp takes Date.now(): one instant for both, so that their bytes compare
  const now = Date.now();
  Date.now = () => now;
  const messages = messagesOf(records);
  const requests = requestsOf(messages);
  let bytes = 0;
  for (const [index, request] of requests.entries()) {
    const [published, patched] = [await publishedKafkajs.encode(PRODUCE_VERSION, request, index), await patchedKafkajs.encode(PRODUCE_VERSION, request, index)];
    if (!published.equals(patched)) throw new Error(`request ${index}: the patched kafkajs wrote other bytes than kafkajs 2.2.4`);
    bytes += patched.length;
  }
  groupAll(publishedKafkajs, messages.slice(0, RECORDS_PER_REQUEST));
  groupAll(patchedKafkajs, messages.slice(0, RECORDS_PER_REQUEST));

  const row = (name: string, unpatched: number, patched: number) => `| ${name} | ${unpatched.toFixed(2)} | ${patched.toFixed(2)} | ${(unpatched / patched).toFixed(1)}× |`;
  const perRecord = (kafkajs: ProducePath, work: (kafkajs: ProducePath) => unknown) => medianPerRecord(records, () => work(kafkajs));
  const encode = (kafkajs: ProducePath) => encodeAll(kafkajs, requests);
  const group = (kafkajs: ProducePath) => groupAll(kafkajs, messages);

  console.log(`kafkajs 2.2.4's produce path, ${records.toLocaleString('en')} records with four headers (${Math.round(bytes / records)} bytes each in the request), CPU µs a record, median of ${ROUNDS} rounds`);
  console.log('');
  console.log('| step | unpatched | patched | less |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(row(`encoding, requests of ${RECORDS_PER_REQUEST.toLocaleString('en')} records over ${PARTITIONS} partitions`, await perRecord(publishedKafkajs, encode), await perRecord(patchedKafkajs, encode)));
  console.log(row(`partitioning by key and grouping, one send of all the records over ${2 * PARTITIONS} partitions`, await perRecord(publishedKafkajs, group), await perRecord(patchedKafkajs, group)));
  console.log('');
  console.log('| CRC-32C of 1 MB | ms |');
  console.log('| --- | ---: |');
  console.log(`| unpatched, a byte at a time | ${millisecondsPerMegabyte(publishedKafkajs.crc32C).toFixed(2)} |`);
  console.log(`| patched, JavaScript fallback (slicing-by-8) | ${millisecondsPerMegabyte(patchedCrc32C.javascriptCrc32C).toFixed(2)} |`);
  console.log(`| patched, native (@node-rs/crc32) | ${patchedCrc32C.nativeCrc32C ? millisecondsPerMegabyte(patchedCrc32C.nativeCrc32C).toFixed(2) : 'did not load'} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
