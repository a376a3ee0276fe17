// patches/kafkajs+2.2.4.patch rewrites kafkajs's produce path for speed: the partitioner's murmur2,
// the grouping by partition, and how records, batches, their CRC-32C and the request are written.
// Neither the broker nor a Java client may see any difference: every request here is encoded by the
// patched kafkajs and by kafkajs 2.2.4 as published (kafkajs-reference), and the two must be equal
// byte for byte; every key must land in the same partition.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { patchedCrc32C, patchedKafkajs, publishedKafkajs, type ProduceArgs, type ProducePartition, type ProducePath } from './produce-paths';

const PRODUCE_VERSIONS = [3, 4, 5, 6, 7];
const NONE = 0;
const GZIP = 1;
const COMPRESSIONS = [
  ['no compression', NONE],
  ['gzip', GZIP],
] as const;
// Records without a timestamp take Date.now(), read by each copy of kafkajs on its own
const NOW = 1_764_662_400_000;

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** Where two byte strings first differ, for a failure that a 1 MB diff would bury; null when equal. */
function firstDifference(actual: Buffer, expected: Buffer): string | null {
  if (actual.equals(expected)) return null;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const around = (bytes: Buffer) => bytes.subarray(Math.max(0, at - 8), at + 8).toString('hex');
  return `${actual.length} bytes against ${expected.length}; first difference at byte ${at}: ${around(actual)} against ${around(expected)}`;
}

async function expectSameBytes(args: ProduceArgs, versions: readonly number[] = PRODUCE_VERSIONS): Promise<void> {
  for (const version of versions) {
    const expected = await publishedKafkajs.encode(version, args);
    const actual = await patchedKafkajs.encode(version, args);
    expect({ version, difference: firstDifference(actual, expected) }).toEqual({ version, difference: null });
  }
}

function request(partitions: ProducePartition[], extra: Partial<ProduceArgs> = {}): ProduceArgs {
  return { acks: -1, timeout: 30_000, topicData: [{ topic: 'import-job-rows', partitions }], ...extra };
}

function records(count: number, shape: (i: number) => object): object[] {
  return Array.from({ length: count }, (_, i) => shape(i));
}

const headers4 = (i: number) => ({ 'tenant-id': 'tenant-7', 'job-id': `job-${i % 13}`, 'message-type': 'RowsParsed', 'schema-version': '2' });
const megabyteString = 'Ωmega row, '.repeat(95_326).slice(0, 1 << 20);
const megabyteBuffer = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 2_654_435_761) >>> 24));

const corpus: [string, ProduceArgs][] = [
  ['records without headers', request([{ partition: 0, messages: records(20, (i) => ({ key: `k${i}`, value: `value ${i}` })) }])],
  ['records with several headers', request([{ partition: 1, messages: records(20, (i) => ({ key: `k${i}`, value: `{"row":${i}}`, headers: headers4(i) })) }])],
  [
    'unicode header names and values, empty values, Buffers, and a header named twice',
    request([
      {
        partition: 2,
        messages: [
          { key: 'a', value: 'b', headers: { 'größe': 'ünïcödé', 日本: '語', '🙂': '\u{1F600} and \ud800 alone', combining: 'e\u0301' } },
          { key: 'c', value: 'd', headers: { empty: '', 'also-empty': Buffer.alloc(0), '': 'nameless' } },
          { key: 'e', value: 'f', headers: { raw: Buffer.from([0, 1, 255, 128]), repeated: ['one', 'two', Buffer.from('three')], none: [] } },
          { key: 'g', value: 'h', headers: {} },
        ],
      },
    ]),
  ],
  [
    'null and missing keys and values',
    request([
      {
        partition: 0,
        messages: [{ key: null, value: null }, { value: 'no key' }, { key: 'no value', value: null }, { key: undefined, value: Buffer.alloc(0) }, { key: '', value: '' }],
      },
    ]),
  ],
  [
    'unicode keys and values',
    request([
      {
        partition: 3,
        messages: [
          { key: 'ключ', value: 'значение' },
          { key: '日本語のキー', value: '値'.repeat(200) },
          { key: '🙂🙃', value: 'emoji \u{1F4A9} and a lone surrogate \udc00' },
          { key: 'x'.repeat(15), value: 'y'.repeat(16) },
          { key: 'é'.repeat(70), value: 'é' },
        ],
      },
    ]),
  ],
  [
    'many topics and partitions',
    {
      acks: -1,
      timeout: 30_000,
      topicData: Array.from({ length: 6 }, (_, t) => ({
        topic: t % 2 === 0 ? `topic-${t}` : `tópico-${t}`,
        partitions: Array.from({ length: 16 }, (_, p) => ({ partition: p, messages: records(p % 5, (i) => ({ key: `${t}-${p}-${i}`, value: `v${i}`, headers: i % 2 ? headers4(i) : undefined })) })),
      })),
    },
  ],
  ['an empty batch', request([{ partition: 0, messages: [] }])],
  [
    'an idempotent batch',
    request(
      [
        { partition: 0, firstSequence: 1_234, messages: records(5, (i) => ({ key: `k${i}`, value: `v${i}`, headers: headers4(i) })) },
        { partition: 1, firstSequence: 2_147_483_000, messages: records(3, (i) => ({ key: `k${i}`, value: `v${i}` })) },
      ],
      { producerId: '9007199254740993', producerEpoch: 3 },
    ),
  ],
  [
    'a transactional batch',
    request([{ partition: 4, firstSequence: 17, messages: records(6, (i) => ({ key: `k${i}`, value: `v${i}`, headers: headers4(i) })) }], {
      transactionalId: 'import-worker-3-piece-41',
      producerId: 4_711,
      producerEpoch: 32_767,
    }),
  ],
  [
    'timestamps that kafkajs orders as strings, and records without one',
    request([
      {
        partition: 0,
        messages: [
          { key: 'a', value: '1', timestamp: '1764662400123' },
          { key: 'b', value: '2' },
          { key: 'c', value: '3', timestamp: 1_764_662_399_000 },
          { key: 'd', value: '4', timestamp: '999999999999' },
          { key: 'e', value: '5', timestamp: 1_764_662_400_123 },
          { key: 'f', value: '6', timestamp: 0 },
        ],
      },
    ]),
  ],
  [
    'records beyond what kafkajs documents, which it writes as it always has',
    request([
      {
        partition: 0,
        messages: [
          new (class Row {
            key = 'a class instance';
            value = 'its fields are its own';
          })(),
          { key: 'a timestamp 2^31 ms before the batch', value: 'x', timestamp: String(NOW - 2 ** 31 - 5) },
          { key: 'uint8array', value: new Uint8Array([104, 105]) },
          { key: 'string headers', value: 'y', headers: 'ab' },
        ],
      },
    ]),
  ],
  ['timestamps that are neither strings nor numbers', request([{ partition: 0, messages: records(4, (i) => ({ key: `k${i}`, value: 'v', timestamp: BigInt(NOW - i * 1_000) })) }])],
];

// Versions 3 to 7 differ only in the version they name: the large cases are written at one of them
const largeCorpus: [string, ProduceArgs][] = [
  [
    '1 MB values',
    request([
      {
        partition: 0,
        messages: [
          { key: 'string', value: megabyteString },
          { key: 'buffer', value: megabyteBuffer, headers: { big: megabyteString.slice(0, 70_000) } },
        ],
      },
    ]),
  ],
  ['10,000 records in one batch', request([{ partition: 5, messages: records(10_000, (i) => ({ key: `row-${i}`, value: JSON.stringify({ row: i, text: 'r'.repeat(i % 300) }), headers: headers4(i) })) }])],
];

describe('produce requests from the patched kafkajs', () => {
  describe.each(COMPRESSIONS)('with %s', (_name, compression) => {
    it.each(corpus)('have the bytes kafkajs 2.2.4 writes: %s', async (_case, args) => {
      await expectSameBytes({ ...args, compression });
    });

    it.each(largeCorpus)('have the bytes kafkajs 2.2.4 writes: %s', async (_case, args) => {
      await expectSameBytes({ ...args, compression }, [7]);
    });
  });

  it('have the bytes kafkajs 2.2.4 writes for any records, headers, keys and timestamps', async () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
    );
    const anyBytes = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));
    const anyHeaderValue = fc.oneof(anyText, anyBytes, fc.array(fc.oneof(anyText, anyBytes), { maxLength: 3 }));
    const anyMessage = fc.record(
      {
        key: fc.oneof(fc.constant(null), anyText, anyBytes),
        value: fc.oneof(fc.constant(null), anyText, anyBytes, fc.string({ minLength: 100, maxLength: 600 })),
        headers: fc.dictionary(anyText, anyHeaderValue, { maxKeys: 6 }),
        timestamp: fc.oneof(fc.integer({ min: NOW - 2 ** 32, max: NOW + 1_000 }), fc.integer({ min: NOW - 10_000, max: NOW }).map(String)),
      },
      { requiredKeys: ['value'] },
    );
    const anyRequest = fc.record({
      acks: fc.constantFrom(-1, 1, 0),
      timeout: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      compression: fc.constantFrom(NONE, GZIP),
      transactionalId: fc.option(anyText, { nil: undefined }),
      producerId: fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String), { nil: undefined }),
      producerEpoch: fc.option(fc.integer({ min: 0, max: 32_767 }), { nil: undefined }),
      topicData: fc.array(
        fc.record({
          topic: anyText,
          partitions: fc.array(
            fc.record({ partition: fc.nat(1_000), firstSequence: fc.option(fc.nat(), { nil: undefined }), messages: fc.array(anyMessage, { maxLength: 8 }) }),
            { maxLength: 4 },
          ),
        }),
        { maxLength: 3 },
      ),
    });

    await fc.assert(
      fc.asyncProperty(anyRequest, async (args) => {
        await expectSameBytes(args, [7]);
      }),
      { numRuns: 80 },
    );
  });

  it.each([
    ['a number as a value', { key: 'k', value: 42 }],
    ['null headers', { key: 'k', value: 'v', headers: null }],
    ['a null header value', { key: 'k', value: 'v', headers: { name: null } }],
  ])('refuse what kafkajs 2.2.4 refuses, with its error: %s', async (_case, message) => {
    const args = request([{ partition: 0, messages: [{ key: 'fine', value: 'fine' }, message] }]);
    const outcome = (kafkajs: ProducePath) =>
      kafkajs.encode(7, args).then(
        () => 'encoded',
        (error: Error) => `${error.name}: ${error.message}`,
      );

    const published = await outcome(publishedKafkajs);

    expect(published).not.toBe('encoded');
    expect(await outcome(patchedKafkajs)).toBe(published);
  });
});

describe("the patched kafkajs's murmur2, by which its default partitioner picks a keyed message's partition", () => {
  // Java's own vectors (Kafka's UtilsTest): keys land where Java clients put them
  it.each([
    ['21', -973_932_308],
    ['foobar', -790_332_482],
    ['a-little-bit-long-string', -985_981_536],
    ['a-little-bit-longer-string', -1_486_304_829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58_897_971],
    ['abc', 479_470_107],
  ])('hashes %s as Java does', (key, hash) => {
    expect(patchedKafkajs.murmur2(key)).toBe(hash);
    expect(patchedKafkajs.murmur2(Buffer.from(key))).toBe(hash);
  });

  it('hashes any key as kafkajs 2.2.4 does, as a string or as bytes', () => {
    const anyKey = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.integer(),
    );
    fc.assert(
      fc.property(anyKey, (key) => {
        expect(patchedKafkajs.murmur2(key)).toBe(publishedKafkajs.murmur2(key));
      }),
      { numRuns: 300 },
    );
  });
});

describe("kafkajs's grouping of messages by partition, patched", () => {
  it('puts each message in the partition the default partitioner picks, in the order they were sent', () => {
    // Keyed messages and messages that name their partition: kafkajs spreads the others round-robin
    // from a random start
    const partitionMetadata = Array.from({ length: 7 }, (_, partitionId) => ({ partitionId, leader: partitionId === 2 ? -1 : 1 }));
    const messages = records(5_000, (i) => (i % 11 === 0 ? { key: null, value: 'v', partition: 3 } : { key: i % 5 === 0 ? Buffer.from(`k${i}`) : `ключ-${i}`, value: 'v' }));
    const group = (kafkajs: ProducePath) => kafkajs.groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner: kafkajs.createDefaultPartitioner() });

    const grouped = group(patchedKafkajs);

    expect(grouped).toEqual(group(publishedKafkajs));
    expect(Object.values(grouped).flat()).toHaveLength(messages.length);
  });

  it('groups nothing for a topic without partitions', () => {
    expect(patchedKafkajs.groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ value: 'v' }], partitioner: () => 0 })).toEqual({});
  });
});

describe("the patched kafkajs's CRC-32C", () => {
  // iSCSI's vectors (RFC 3720, B.4) and the common check value
  const vectors: [string, Buffer, number][] = [
    ['"123456789"', Buffer.from('123456789'), 0xe3069283],
    ['no bytes', Buffer.alloc(0), 0],
    ['32 zeros', Buffer.alloc(32, 0), 0x8a9136aa],
    ['32 bytes of 0xff', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['0 to 31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    ['31 down to 0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ];

  it('loads the native implementation on this platform', () => {
    expect(patchedCrc32C.nativeCrc32C).not.toBeNull();
  });

  const implementations = [
    ['native', (bytes: Buffer) => patchedCrc32C.nativeCrc32C!(bytes)],
    ['JavaScript fallback', (bytes: Buffer) => patchedCrc32C.javascriptCrc32C(bytes)],
  ] as const;

  describe.each(implementations)('%s', (_name, crc32C) => {
    it.each(vectors)('gives the known checksum of %s', (_vector, bytes, checksum) => {
      expect(crc32C(bytes)).toBe(checksum);
    });

    it('agrees with kafkajs 2.2.4 on any bytes, at any offset into a larger buffer', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.nat(7), (bytes, skip) => {
          const view = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
          expect(crc32C(view)).toBe(publishedKafkajs.crc32C(view));
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('kafkajs-reference, the oracle of these tests', () => {
  it('is kafkajs 2.2.4 as published, which patch-package leaves alone', () => {
    const root = dirname(require.resolve('kafkajs-reference/package.json'));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

    expect(manifest).toMatchObject({ name: 'kafkajs', version: '2.2.4' });
    expect(existsSync(join(root, 'src/protocol/recordBatch/v0/writeRecordBatch.js'))).toBe(false);
    expect(readFileSync(join(root, 'src/producer/groupMessagesPerPartition.js'), 'utf8')).toContain('[...current, message]');
  });
});
