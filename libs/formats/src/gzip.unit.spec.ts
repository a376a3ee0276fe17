import { gzipSync } from 'node:zlib';
import { CorruptGzipError, DecompressedSizeLimitError, gunzipChunks } from './gzip';
import { readNdjsonRows } from './ndjson/read-ndjson-rows';
import { bytesOf, chunksOf, collect } from './testing/byte-chunks';

const text = Array.from({ length: 5000 }, (_, index) => `{"n":${index}}\n`).join('');
const gzipped = gzipSync(bytesOf(text));
const noLimit = { maxDecompressedBytes: 1024 * 1024 * 1024 };

async function inflate(input: Uint8Array, maxDecompressedBytes = noLimit.maxDecompressedBytes): Promise<string> {
  const chunks = await collect(gunzipChunks(chunksOf(input, [1000, 7]), { maxDecompressedBytes }));
  return Buffer.concat(chunks).toString('utf8');
}

describe('gunzipChunks', () => {
  it('inflates a gzip stream however it is chunked', async () => {
    await expect(inflate(gzipped)).resolves.toBe(text);
  });

  it('accepts plain Uint8Array chunks, not only Buffers', async () => {
    async function* plain(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(gzipped);
    }
    const chunks = await collect(gunzipChunks(plain(), noLimit));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });

  it('inflates concatenated gzip members as one stream', async () => {
    await expect(inflate(Buffer.concat([gzipSync(bytesOf('a\n')), gzipSync(bytesOf('b\n'))]))).resolves.toBe('a\nb\n');
  });

  it('fails a truncated stream with CorruptGzipError, after yielding data it must not be trusted with', async () => {
    const yielded: Uint8Array[] = [];
    const reading = (async () => {
      for await (const chunk of gunzipChunks(chunksOf(gzipped.subarray(0, gzipped.length - 20), [1000]), noLimit)) yielded.push(chunk);
    })();
    await expect(reading).rejects.toThrow(CorruptGzipError);
    await expect(reading).rejects.toThrow('gzip data is truncated or corrupt: unexpected end of file');
    expect(yielded.length).toBeGreaterThan(0);
  });

  it.each<[string, Uint8Array]>([
    ['bytes that are not gzip', bytesOf('{"a":1}\n')],
    ['an empty object', new Uint8Array(0)],
  ])('fails %s with CorruptGzipError', async (_name, input) => {
    await expect(inflate(input)).rejects.toThrow(CorruptGzipError);
  });

  it('stops at the decompressed-size cap with DecompressedSizeLimitError, yielding no more than the cap', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    let yieldedBytes = 0;
    const reading = (async () => {
      for await (const chunk of gunzipChunks(chunksOf(bomb, [4096]), { maxDecompressedBytes: 100_000 })) yieldedBytes += chunk.length;
    })();
    await expect(reading).rejects.toThrow(DecompressedSizeLimitError);
    await expect(reading).rejects.toMatchObject({ code: 'DECOMPRESSED_SIZE_LIMIT', maxDecompressedBytes: 100_000 });
    expect(yieldedBytes).toBeLessThanOrEqual(100_000);
  });

  it('passes a source error through as it is', async () => {
    const networkDown = new Error('connection reset');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield gzipped.subarray(0, 100);
      throw networkDown;
    }
    await expect(collect(gunzipChunks(failing(), noLimit))).rejects.toBe(networkDown);
  });

  it('closes the source when the reader stops early', async () => {
    let sourceClosed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunksOf(gzipped, [100]);
      } finally {
        sourceClosed = true;
      }
    }
    for await (const chunk of gunzipChunks(source(), noLimit)) if (chunk.length > 0) break;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sourceClosed).toBe(true);
  });

  it('feeds a reader as a whole-file piece', async () => {
    const rows = await collect(readNdjsonRows(gunzipChunks(chunksOf(gzipped, [333]), noLimit), { firstLine: 1 }));
    expect(rows).toHaveLength(5000);
    expect(rows.at(-1)).toMatchObject({ ok: true, line: 5000, record: { n: 4999 } });
  });

  it('refuses a cap that is not a positive integer', async () => {
    await expect(collect(gunzipChunks(chunksOf(gzipped), { maxDecompressedBytes: 0 }))).rejects.toThrow(RangeError);
  });
});
