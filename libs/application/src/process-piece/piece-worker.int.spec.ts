import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseS3Url, type JsonObject, type PieceOutcome, type RowFailure } from '@import-jobs/domain';
import { type DeadLetter, type IncomingMessage, type Messaging } from '@import-jobs/messaging';
import { importJobTopics, pieceResultCodec, pieceWorkItemCodec, type ImportJobTopics, type PieceResult, type PieceWorkItem } from '../messages';
import { chunksOf, readAll } from '@import-jobs/sources/testing/byte-streams';
import type { ObjectStore } from '@import-jobs/sources';
import { harnessObjectStore, type HarnessObjectStore } from '../../../sources/test/harness-object-store';
import { waitFor } from '../../../../tools/stack/wait-for';
import { Inbox, kafkaTestTimeoutMs, messagingTestKit, uniqueName } from '../../../messaging/test/kafka-test-kit';
import type { AttemptLimits } from '@import-jobs/retry';
import type { PieceLimits } from './piece-processor';
import type { Log } from '../shared/log';
import { startPieceWorker } from './piece-worker';

interface LogEntry {
  readonly level: keyof Log;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A log that keeps what the worker says, for the tests to read. */
function keptLog(entries: LogEntry[]): Log {
  const keep = (level: keyof Log) => (message: string, details: Record<string, unknown> = {}) => void entries.push({ level, message, details });
  return { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('the piece worker, against Kafka and S3', () => {
  jest.setTimeout(kafkaTestTimeoutMs);
  const kit = messagingTestKit();
  let objects: HarnessObjectStore;

  beforeAll(() => {
    objects = harnessObjectStore();
  });
  afterAll(() => objects.close());

  it('publishes exactly the valid rows of a CSV piece, and reports and lists every rejected row with its line', async () => {
    const test = await setUp();
    // The piece is the second part of the file: its header comes with the work item, and its rows
    // keep the file's line numbers (a quoted line break makes a row two lines long).
    const firstPart = 'id,name,age\n0,Zero,1\n';
    const piece = [
      '1,Ada,36', // line 3
      '2,Grace,not-a-number', // line 4
      '3,"Multi\nline",40', // lines 5-6
      ',Nokey,20', // line 7
      '4,Ragged', // line 8
      `5,"${'\u0001'.repeat(200_000)}",30`, // line 9: 200 kB as CSV, 1.2 MB as JSON
      '6,Linus,50', // line 10
    ].join('\n');
    const source = await test.put('people.csv', `${firstPart}${piece}\n`);
    const item = test.workItem(source, {
      format: 'CSV',
      keyField: 'id',
      schema: personSchema,
      piece: { range: { start: Buffer.byteLength(firstPart), end: source.size }, firstLine: 3, csvHeader: ['id', 'name', 'age'] },
    });

    await test.startWorker();
    await test.publish(item);
    const [result] = await test.results(1);
    const records = await test.committedRecords();

    expect(records.map(({ key, value }) => [key, JSON.parse(value!.toString())])).toEqual([
      ['1', { id: '1', name: 'Ada', age: 36 }],
      ['3', { id: '3', name: 'Multi\nline', age: 40 }],
      ['6', { id: '6', name: 'Linus', age: 50 }],
    ]);
    expect(records.map(({ headers }) => headers)).toEqual(
      ['3', '5', '10'].map((line) => ({
        'import-job-id': item.jobId,
        'import-piece-id': item.piece.pieceId,
        'import-source': source.url,
        'import-line': line,
      })),
    );

    const outcome = completed(result);
    expect(outcome).toMatchObject({ rowsProcessed: 7, rowsFailed: 4, bytesProcessed: source.size - Buffer.byteLength(firstPart) });
    expect(outcome.firstFailures.map(({ file, line }) => ({ file, line }))).toEqual([4, 7, 8, 9].map((line) => ({ file: source.url, line })));
    const [notANumber, noKey, ragged, tooLarge] = outcome.firstFailures;
    expect(notANumber).toMatchObject({ reason: '/age: must be integer', raw: '2,Grace,not-a-number' });
    expect(noKey).toMatchObject({ reason: '/id: key field is missing', raw: ',Nokey,20' });
    expect(ragged?.raw).toBe('4,Ragged');
    expect(tooLarge?.reason).toMatch(/bytes as a Kafka message, more than the 1000000/);
    // The first thousand characters of the row, then the marker that says it was cut.
    expect(tooLarge?.raw).toBe(`5,"${'\u0001'.repeat(997)}…[truncated]`);
    expect(outcome.failureListLocation).toBe(`s3://${test.failuresBucket}/${item.jobId}/pieces/${item.piece.pieceId}.ndjson`);
    expect(await test.failureList(outcome)).toEqual(outcome.firstFailures);
  });

  it('fails a piece planned on an ETag the object no longer has, with none of its records', async () => {
    const test = await setUp();
    const planned = await test.put('orders.ndjson', '{"id":"1"}\n{"id":"2"}\n');
    await test.put('orders.ndjson', '{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n');

    await test.startWorker();
    await test.publish(test.workItem(planned, { format: 'JSON', keyField: 'id' }));
    const [result] = await test.results(1);

    expect(result?.outcome).toMatchObject({ kind: 'failed', reason: { code: 'SOURCE_CHANGED' } });
    expect(await test.committedRecords()).toEqual([]);
    await test.waitForCommittedOffset('1');
  });

  it('keeps none of the records it sent before a gzip piece turned out truncated', async () => {
    const test = await setUp();
    const lines = Array.from({ length: 5_000 }, (_, index) => JSON.stringify({ id: `order-${index}`, note: randomBytes(16).toString('hex') }));
    const gzip = gzipSync(`${lines.join('\n')}\n`);
    const truncated = await test.put('orders.ndjson.gz', gzip.subarray(0, Math.floor(gzip.length * 0.6)));

    // Small sends (a few records' bytes): records of the piece are certainly sent, in its transaction, before the gzip fails.
    await test.startWorker({ maxMessageBytes: 2_000 });
    await test.publish(test.workItem(truncated, { format: 'JSON', keyField: 'id', piece: { compression: 'gzip' } }));
    const [result] = await test.results(1);

    expect(result?.outcome).toMatchObject({ kind: 'failed', reason: { code: 'SOURCE_UNREADABLE', message: expect.stringMatching(/gzip data is truncated or corrupt/) } });
    const destination = await test.readDestination();
    expect(destination.committed).toEqual([]);
    // The log holds what the aborted transaction sent (and its abort marker): sent, never visible.
    expect(destination.markerOffset).toBeGreaterThan(10);
    expect(test.logs).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/failed \(SOURCE_UNREADABLE\); its records are discarded/) }));
  });

  it('publishes an NDJSON piece: objects keyed by the key field, other lines as row failures, a record near the size limit too', async () => {
    const test = await setUp();
    const nearLimit = { sku: 'large', data: 'x'.repeat(990_000) };
    const source = await test.put(
      'products.ndjson',
      [
        '{"sku":"a-1","price":3.5}', // line 1
        '', // line 2
        '[1,2,3]', // line 3
        '{"sku":"a-2","tags":["x"]}', // line 4
        '{"sku":', // line 5
        JSON.stringify(nearLimit), // line 6
        '{"price":1}', // line 7
      ].join('\n'),
    );

    await test.startWorker();
    await test.publish(test.workItem(source, { format: 'JSON', keyField: 'sku' }));
    const [result] = await test.results(1);
    const records = await test.committedRecords();

    expect(records.map(({ key, value, headers }) => [key, JSON.parse(value!.toString()), headers['import-line']])).toEqual([
      ['a-1', { sku: 'a-1', price: 3.5 }, '1'],
      ['a-2', { sku: 'a-2', tags: ['x'] }, '4'],
      ['large', nearLimit, '6'],
    ]);
    const outcome = completed(result);
    expect(outcome).toMatchObject({ rowsProcessed: 6, rowsFailed: 3, bytesProcessed: source.size });
    expect(outcome.firstFailures.map(({ line, reason }) => [line, reason])).toEqual([
      [3, expect.stringMatching(/array/)],
      [5, expect.any(String)],
      [7, '/sku: key field is missing'],
    ]);
  });

  it('publishes a gzip CSV piece read whole, its header taken from its first record', async () => {
    const test = await setUp();
    const source = await test.put('people.csv.gz', gzipSync('id,name,age\n1,Ada,36\n2,Grace,old\n3,Linus,50\n'));

    await test.startWorker();
    await test.publish(test.workItem(source, { format: 'CSV', keyField: 'id', schema: personSchema, piece: { compression: 'gzip' } }));
    const [result] = await test.results(1);
    const records = await test.committedRecords();

    expect(records.map(({ key, value }) => [key, JSON.parse(value!.toString())])).toEqual([
      ['1', { id: '1', name: 'Ada', age: 36 }],
      ['3', { id: '3', name: 'Linus', age: 50 }],
    ]);
    const outcome = completed(result);
    expect(outcome).toMatchObject({ rowsProcessed: 3, rowsFailed: 1, bytesProcessed: source.size });
    expect(outcome.firstFailures).toEqual([{ file: source.url, line: 3, reason: '/age: must be integer', raw: '2,Grace,old' }]);
  });

  it('imports a work item published twice once per copy, each copy in a transaction of its own', async () => {
    const test = await setUp();
    const source = await test.put('orders.ndjson', '{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n');
    const item = test.workItem(source, { format: 'JSON', keyField: 'id' });

    await test.startWorker();
    await test.publish(item);
    await test.publish(item);
    const results = await test.results(2);
    const records = await test.committedRecords();

    // Exactly-once covers redelivery of one offset (see the messaging exactly-once tests); a work
    // item re-published at a new offset is a second import of the piece. The result consumer counts
    // the piece once; its records are on the destination twice, a known at-least-once gap.
    expect(results.map(({ pieceId, outcome }) => [pieceId, outcome.kind])).toEqual([
      [item.piece.pieceId, 'completed'],
      [item.piece.pieceId, 'completed'],
    ]);
    expect(records.map(({ key }) => key)).toEqual(['1', '2', '3', '1', '2', '3']);
  });

  it('fails a piece of a job whose row schema cannot be compiled, saying why', async () => {
    const test = await setUp();
    const source = await test.put('orders.ndjson', '{"id":"1"}\n');

    await test.startWorker();
    await test.publish(test.workItem(source, { format: 'JSON', keyField: 'id', schema: { type: 'object', requird: ['id'] } }));
    const [result] = await test.results(1);

    expect(result?.outcome).toMatchObject({
      kind: 'failed',
      reason: { code: 'SOURCE_UNREADABLE', message: expect.stringMatching(/^The job's row schema cannot be used: .*requird/) },
    });
    expect(await test.committedRecords()).toEqual([]);
  });

  it('keeps a work item that does not decode as a dead letter and goes on with the next one', async () => {
    const test = await setUp();
    const source = await test.put('orders.ndjson', '{"id":"1"}\n');

    await test.startWorker();
    await test.publishRaw('{"type":"PieceWorkItem","version":1,"jobId":');
    await test.publish(test.workItem(source, { format: 'JSON', keyField: 'id' }));
    const [result] = await test.results(1);

    expect(result?.outcome).toMatchObject({ kind: 'completed', rowsProcessed: 1 });
    expect((await test.committedRecords()).map(({ key }) => key)).toEqual(['1']);
    await test.waitForCommittedOffset('2');
    const [deadLetter] = await test.deadLetters(1);
    expect(deadLetter).toMatchObject({ type: 'DeadLetter', reason: expect.stringContaining('not-json'), message: { offset: '0', value: '{"type":"PieceWorkItem","version":1,"jobId":' } });
  });

  it('aborts a piece whose failure list cannot be written yet and imports it once when it can', async () => {
    const test = await setUp({ createFailuresBucket: false });
    const source = await test.put('orders.ndjson', '{"id":"1"}\n{"id":"2"}\nnot json\n{"id":"3"}\n');

    await test.startWorker();
    await test.publish(test.workItem(source, { format: 'JSON', keyField: 'id' }));
    await waitFor('a first, aborted attempt', async () => test.logs.some(({ message }) => /is aborted and will be read again/.test(message)));
    await objects.createBucket(test.failuresBucket);
    const [result] = await test.results(1);

    expect(result?.outcome).toMatchObject({ kind: 'completed', rowsProcessed: 4, rowsFailed: 1 });
    expect((await test.committedRecords()).map(({ key }) => key)).toEqual(['1', '2', '3']);
  });

  it('fails a piece that fails every attempt once its attempts are spent, and goes on with the next one', async () => {
    // The failures bucket never appears: every attempt at a piece with a bad row fails, as a fault a retry might cure.
    const test = await setUp({ createFailuresBucket: false });
    const failing = await test.put('failing.ndjson', '{"id":"1"}\nnot json\n');
    const clean = await test.put('clean.ndjson', '{"id":"2"}\n');

    await test.startWorker({}, { maxAttempts: 2, maxAttemptsOnFaults: 3 });
    await test.publish(test.workItem(failing, { format: 'JSON', keyField: 'id' }));
    await test.publish(test.workItem(clean, { format: 'JSON', keyField: 'id' }));
    const [first, second] = await test.results(2);

    expect(first?.outcome).toMatchObject({ kind: 'failed', reason: { code: 'ATTEMPTS_EXHAUSTED', message: expect.stringMatching(/^gave up after 3 attempts: .*failure list/) } });
    expect(second?.outcome).toMatchObject({ kind: 'completed', rowsProcessed: 1 });
    expect((await test.committedRecords()).map(({ key }) => key)).toEqual(['2']);
  });

  it('writes a failure list longer than one upload part in parts, every failure in file order', async () => {
    const test = await setUp();
    const failing = 6_000;
    // Arrays are not records; each failure keeps 1,000 characters of its row, so the list passes 5 MiB.
    const lines = Array.from({ length: failing }, (_, index) => JSON.stringify([index, 'x'.repeat(1_100)]));
    const source = await test.put('wide.ndjson', `{"id":"first"}\n${lines.join('\n')}\n{"id":"last"}\n`);

    await test.startWorker();
    await test.publish(test.workItem(source, { format: 'JSON', keyField: 'id' }));
    const [result] = await test.results(1);

    const outcome = completed(result);
    expect(outcome).toMatchObject({ rowsProcessed: failing + 2, rowsFailed: failing });
    expect(outcome.firstFailures.length).toBe(100);
    const list = await test.failureList(outcome);
    expect(list.length).toBe(failing);
    expect(list.map(({ line }) => line)).toEqual(Array.from({ length: failing }, (_, index) => index + 2));
    expect(list.slice(0, 100)).toEqual(outcome.firstFailures);
    const { etag } = await objects.store.head(parseS3Url(outcome.failureListLocation ?? '')!);
    // S3 gives a multipart object the ETag "<digest>-<parts>".
    expect(etag).toMatch(/-2"$/);
    expect((await test.committedRecords()).map(({ key }) => key)).toEqual(['first', 'last']);
  });

  it('imports as many pieces at once as it is given, each committed once in a transaction of its own', async () => {
    const test = await setUp({ piecePartitions: 3 });
    // Each piece's read is held until all three have started: only a worker with three in flight gets there.
    const reading = heldUntilReadsStarted(objects.store, 3);
    const sources = await Promise.all([0, 1, 2].map((index) => test.put(`batch-${index}.csv`, `id,name\n${index}-a,A\n${index}-b,B\n`)));
    // Kafka's default partitioner puts these keys on partitions 0, 1 and 2 of a three-partition topic.
    const keys = ['piece-0', 'piece-4', 'piece-1'];
    const items = sources.map((source, index) => test.workItem(source, { format: 'CSV', keyField: 'id', piece: { pieceId: keys[index]!, firstLine: 2, range: { start: 8, end: source.size }, csvHeader: ['id', 'name'] } }));
    await Promise.all(items.map((item, index) => test.publish(item, keys[index])));
    // Published before the worker starts, so that its first fetch holds all three: kafkajs hands a
    // member the batches of one fetch at a time, up to `piecesInFlight` of them at once.
    await test.startWorker({}, undefined, { objectStore: reading.store, piecesInFlight: 3 });

    await waitFor('three pieces read at once', async () => reading.mostAtOnce() === 3);
    const results = await test.results(3);

    expect(results.map(({ pieceId, outcome }) => [pieceId, outcome.kind]).sort()).toEqual(keys.map((key) => [key, 'completed']).sort());
    expect((await test.committedRecords()).map(({ key }) => key).sort()).toEqual(['0-a', '0-b', '1-a', '1-b', '2-a', '2-b']);
  });

  /** One test's world: its own buckets, topics and group, with a reader for each output. */
  async function setUp({ createFailuresBucket = true, piecePartitions = 1 } = {}) {
    const setup = kit.connect();
    const topics: ImportJobTopics = importJobTopics(uniqueName('import-jobs'));
    const destinationTopic = uniqueName('destination');
    await setup.admin.createTopics([
      { name: topics.pieces, partitions: piecePartitions, replicationFactor: 1 },
      ...[topics.pieceResults, topics.deadLetters, destinationTopic].map((name) => ({ name, partitions: 1, replicationFactor: 1 })),
    ]);
    const sourceBucket = `pieces-${randomUUID()}`;
    const failuresBucket = `failures-${randomUUID()}`;
    await objects.createBucket(sourceBucket);
    if (createFailuresBucket) await objects.createBucket(failuresBucket);
    const groupId = uniqueName('piece-workers');
    const jobId = randomUUID();
    const logs: LogEntry[] = [];
    const results = new Inbox();
    await setup.createConsumer({ groupId: uniqueName('results') }).run({ topics: [topics.pieceResults], fromBeginning: true, eachMessage: results.add });

    return {
      failuresBucket,
      logs,

      /** The dead letters written so far, read_committed. */
      async deadLetters(count: number): Promise<DeadLetter[]> {
        const inbox = new Inbox();
        await setup.createConsumer({ groupId: uniqueName('dead-letters') }).run({ topics: [topics.deadLetters], fromBeginning: true, eachMessage: inbox.add });
        await inbox.waitFor(`${count} dead letters`, (messages) => messages.length >= count);
        return inbox.messages.map(({ value }) => JSON.parse(value!.toString('utf8')) as DeadLetter);
      },

      async put(key: string, body: string | Buffer): Promise<StoredSource> {
        const bytes = Buffer.from(body);
        const { etag } = await objects.store.write({ bucket: sourceBucket, key }, chunksOf(bytes));
        return { bucket: sourceBucket, key, etag, size: bytes.length, url: `s3://${sourceBucket}/${key}` };
      },

      workItem(
        source: StoredSource,
        { piece = {}, ...job }: { format: 'CSV' | 'JSON'; keyField?: string; schema?: JsonObject; piece?: Partial<PieceWorkItem['piece']> },
      ): PieceWorkItem {
        const { bucket, key, etag, size } = source;
        return {
          type: 'PieceWorkItem',
          version: 1,
          jobId,
          tenantId: 'tenant-1',
          ...job,
          piece: {
            pieceId: `piece-${randomUUID().slice(0, 8)}`,
            object: { bucket, key, etag, size },
            range: { start: 0, end: size },
            compression: 'none',
            firstLine: 1,
            destinationTopic,
            ...piece,
          },
        };
      },

      async startWorker(
        limits: Partial<PieceLimits> = {},
        attemptLimits?: AttemptLimits,
        { objectStore = objects.store, piecesInFlight }: { objectStore?: ObjectStore; piecesInFlight?: number } = {},
      ): Promise<void> {
        const messaging: Messaging = kit.connect();
        await startPieceWorker({ messaging, objectStore, topics, groupId, failuresBucket, limits, log: keptLog(logs), ...(attemptLimits && { attemptLimits }), ...(piecesInFlight && { piecesInFlight }) });
      },

      publish(item: PieceWorkItem, key = item.jobId): Promise<void> {
        return setup.producer.send([{ topic: topics.pieces, key, value: pieceWorkItemCodec.encode(item) }]);
      },

      publishRaw(value: string): Promise<void> {
        return setup.producer.send([{ topic: topics.pieces, key: jobId, value }]);
      },

      async results(count: number): Promise<PieceResult[]> {
        await results.waitFor(`${count} piece result(s)`, (messages) => messages.length >= count);
        return results.messages.map(({ value }) => {
          const decoded = pieceResultCodec.decode(value);
          if (!decoded.ok) throw new Error(`a piece result that does not decode: ${decoded.detail}`);
          return decoded.message;
        });
      },

      /**
       * What a read_committed reader of the destination has, read up to a marker written after
       * everything so far; and the marker's offset, which counts aborted records too.
       */
      async readDestination(): Promise<{ committed: IncomingMessage[]; markerOffset: number }> {
        const marker = `end-of-test-${randomUUID()}`;
        await setup.producer.send([{ topic: destinationTopic, key: marker, value: marker }]);
        const reader = new Inbox();
        await setup.createConsumer({ groupId: uniqueName('reader') }).run({ topics: [destinationTopic], fromBeginning: true, eachMessage: reader.add });
        await reader.waitForValue(marker);
        const markerOffset = Number(reader.messages.find(({ key }) => key === marker)?.offset);
        return { committed: reader.messages.filter(({ key }) => key !== marker), markerOffset };
      },

      async committedRecords(): Promise<IncomingMessage[]> {
        return (await this.readDestination()).committed;
      },

      async failureList(outcome: CompletedOutcome): Promise<RowFailure[]> {
        const list = await objects.store.head(parseS3Url(outcome.failureListLocation ?? '')!);
        const text = (await readAll(objects.store.read(list, 'whole'))).toString('utf8');
        return text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as RowFailure);
      },

      async waitForCommittedOffset(offset: string): Promise<void> {
        await waitFor(`the group to commit offset ${offset}`, async () => {
          const committed = await setup.admin.fetchCommittedOffsets(groupId, topics.pieces);
          return committed.some((partition) => partition.offset === offset);
        });
      },
    };
  }
});

interface StoredSource {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly url: string;
}

type CompletedOutcome = Extract<PieceOutcome, { kind: 'completed' }>;

/**
 * `store`, whose reads each wait until `count` of them have started, and the most it has seen
 * reading at once.
 */
function heldUntilReadsStarted(store: ObjectStore, count: number): { store: ObjectStore; mostAtOnce(): number } {
  let reading = 0;
  let mostAtOnce = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: ObjectStore = Object.create(store, {
    read: {
      value: async function* (...args: Parameters<ObjectStore['read']>) {
        reading++;
        mostAtOnce = Math.max(mostAtOnce, reading);
        if (mostAtOnce >= count) release();
        try {
          await released;
          yield* store.read(...args);
        } finally {
          reading--;
        }
      },
    },
  });
  return { store: held, mostAtOnce: () => mostAtOnce };
}

function completed(result: PieceResult | undefined): CompletedOutcome {
  if (result?.outcome.kind !== 'completed') throw new Error(`expected a completed piece, got ${JSON.stringify(result?.outcome)}`);
  return result.outcome;
}

const personSchema: JsonObject = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, age: { type: 'integer' } },
  required: ['id', 'name', 'age'],
};
