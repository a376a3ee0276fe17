import type { RetryPolicy } from '@import-jobs/retry';
import { randomBytes, randomUUID } from 'node:crypto';
import { PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createTestBucket, harnessS3Client } from '../../../../test/harness/s3';
import { harnessEnv } from '../../../../test/harness/env';
import { S3FaultProxy } from '../../../../tools/resilience/s3-fault-proxy';
import { freeLoopbackPorts } from '../../../../tools/stack/free-port';
import {
  readObjectRange,
  SourceChangedError,
  SourceNotFoundError,
  SourceUnavailableError,
  SourceUnreadableError,
  type ObjectRangeRequest,
} from './object-range-reader';

const quickRetries: RetryPolicy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

describe('readObjectRange against the S3 server', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(() => {
    s3 = harnessS3Client(harnessEnv('S3_ENDPOINT'));
  });
  afterAll(() => s3.destroy());

  beforeEach(async () => {
    bucket = await createTestBucket(s3, 'range-reader');
  });

  async function put(key: string, body: Buffer): Promise<{ etag: string; versionId?: string }> {
    const { ETag, VersionId } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    if (!ETag) throw new Error(`no ETag for ${key}`);
    return { etag: ETag, versionId: VersionId };
  }

  it('streams exactly the bytes of a range, at the start, the middle and the end, and the whole object', async () => {
    const body = randomBytes(300_000);
    const { etag } = await put('data.bin', body);
    const at = (range: ObjectRangeRequest['range']) => readAll(readObjectRange(s3, { bucket, key: 'data.bin', etag, range }));

    expect((await at({ start: 0, end: 100 })).equals(body.subarray(0, 100))).toBe(true);
    expect((await at({ start: 1_234, end: 250_001 })).equals(body.subarray(1_234, 250_001))).toBe(true);
    expect((await at({ start: 299_990, end: 300_000 })).equals(body.subarray(299_990))).toBe(true);
    expect((await at('whole')).equals(body)).toBe(true);
  });

  it('hands the body out in chunks as they arrive rather than as one buffer', async () => {
    const body = randomBytes(2 * 1024 * 1024);
    const { etag } = await put('large.bin', body);

    const sizes: number[] = [];
    for await (const chunk of readObjectRange(s3, { bucket, key: 'large.bin', etag, range: 'whole' })) sizes.push(chunk.length);

    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(body.length);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(body.length);
  });

  it('reads an empty range without asking the server', async () => {
    const chunks = await readAll(readObjectRange(s3, { bucket: `missing-${randomUUID()}`, key: 'none', etag: '"x"', range: { start: 7, end: 7 } }));

    expect(chunks.length).toBe(0);
  });

  it('fails for good with SourceChangedError when the object was overwritten after planning', async () => {
    const { etag } = await put('people.csv', Buffer.from('id,name\n1,Ada\n'));
    await put('people.csv', Buffer.from('id,name\n1,Grace\n'));

    const read = readAll(readObjectRange(s3, { bucket, key: 'people.csv', etag, range: { start: 8, end: 14 } }, quickRetries));

    await expect(read).rejects.toBeInstanceOf(SourceChangedError);
    await expect(read).rejects.toMatchObject({ code: 'SOURCE_CHANGED', retriable: false });
  });

  it('fails for good with SourceNotFoundError when the key or the bucket does not exist', async () => {
    const missingKey = readAll(readObjectRange(s3, { bucket, key: 'missing.csv', etag: '"abc"', range: { start: 0, end: 10 } }, quickRetries));
    await expect(missingKey).rejects.toBeInstanceOf(SourceNotFoundError);
    await expect(missingKey).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND', retriable: false });

    const missingBucket = readAll(
      readObjectRange(s3, { bucket: `missing-${randomUUID()}`, key: 'a.csv', etag: '"abc"', range: 'whole' }, quickRetries),
    );
    await expect(missingBucket).rejects.toBeInstanceOf(SourceNotFoundError);
  });

  it('fails for good when the planned range runs past the end of the planned object', async () => {
    const { etag } = await put('short.csv', Buffer.from('0123456789'));

    const read = readAll(readObjectRange(s3, { bucket, key: 'short.csv', etag, range: { start: 5, end: 20 } }, quickRetries));

    await expect(read).rejects.toBeInstanceOf(SourceUnreadableError);
  });

  it('reads the planned version by its id after the object was overwritten', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const planned = await put('versioned.csv', Buffer.from('id\nplanned\n'));
    await put('versioned.csv', Buffer.from('id\nnewer version\n'));
    expect(planned.versionId).toBeDefined();

    const bytes = await readAll(readObjectRange(s3, { bucket, key: 'versioned.csv', ...planned, range: { start: 3, end: 10 } }));

    expect(bytes.toString()).toBe('planned');
  });

  describe('through a proxy that injects faults', () => {
    let proxy: S3FaultProxy;
    let proxiedS3: S3Client;

    beforeEach(async () => {
      proxy = await S3FaultProxy.start(new URL(harnessEnv('S3_ENDPOINT')));
      proxiedS3 = harnessS3Client(proxy.endpoint);
    });
    afterEach(async () => {
      proxiedS3.destroy();
      await proxy.stop();
    });

    it('retries a throttled first request beyond the retries of the SDK, then streams the range', async () => {
      const body = randomBytes(10_000);
      const { etag } = await put('throttled.bin', body);
      // The SDK makes three attempts per call, so the fourth answer reaches this reader's own retry.
      proxy.faults.push('slow-down', 'slow-down', 'slow-down', 'slow-down');

      const bytes = await readAll(readObjectRange(proxiedS3, { bucket, key: 'throttled.bin', etag, range: { start: 10, end: 9_000 } }, quickRetries));

      expect(bytes.equals(body.subarray(10, 9_000))).toBe(true);
      expect(proxy.requests).toBe(5);
    });

    it('surfaces a transfer that breaks mid-way as a retriable error', async () => {
      const body = randomBytes(500_000);
      const { etag } = await put('broken.bin', body);
      proxy.faults.push('cut-mid-body');

      let received = 0;
      const read = (async () => {
        for await (const chunk of readObjectRange(proxiedS3, { bucket, key: 'broken.bin', etag, range: 'whole' }, quickRetries)) {
          received += chunk.length;
        }
      })();

      await expect(read).rejects.toBeInstanceOf(SourceUnavailableError);
      await expect(read).rejects.toMatchObject({ retriable: true });
      expect(received).toBeLessThan(body.length);
    });
  });

  it('gives up after a bounded number of attempts on an unreachable server, with a retriable error', async () => {
    const [closedPort] = await freeLoopbackPorts(1);
    const unreachable = harnessS3Client(`http://127.0.0.1:${closedPort}`);
    try {
      const read = readAll(readObjectRange(unreachable, { bucket, key: 'any', etag: '"abc"', range: 'whole' }, quickRetries));

      await expect(read).rejects.toBeInstanceOf(SourceUnavailableError);
      await expect(read).rejects.toMatchObject({ retriable: true });
    } finally {
      unreachable.destroy();
    }
  });
});


async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
