import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RetryPolicy } from '@import-jobs/retry';
import { createTestBucket, harnessS3Client } from '../../../../test/harness/s3';
import { harnessEnv } from '../../../../test/harness/env';
import { S3FaultProxy } from '../../../../tools/resilience/s3-fault-proxy';
import { freeLoopbackPorts } from '../../../../tools/stack/free-port';
import { ObjectAccessDeniedError, ObjectStoreUnavailableError } from '../object-store';
import { chunksOf, readAll } from '../testing/byte-streams';
import { testObjectStore } from '../testing/object-store.contract';
import { harnessObjectStore } from '../../test/harness-object-store';
import { S3ObjectStore } from './s3-object-store';

const quickRetries: RetryPolicy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

testObjectStore('S3ObjectStore on the S3 server', async () => harnessObjectStore());

describe('S3ObjectStore, beyond the contract', () => {
  let s3: S3Client;
  let store: S3ObjectStore;
  let bucket: string;

  beforeAll(() => {
    s3 = harnessS3Client();
    store = new S3ObjectStore(s3);
  });
  afterAll(() => s3.destroy());

  beforeEach(async () => {
    bucket = await createTestBucket(s3, 'object-store');
  });

  it('writes a body longer than a part as a multipart upload', async () => {
    const written = await store.write({ bucket, key: 'big.bin' }, chunksOf(randomBytes(11 * 1024 * 1024)));

    // S3 gives a multipart object the ETag "<digest>-<parts>".
    expect(written.etag).toMatch(/-3"$/);
  });

  it('reads the version named by its id after the object was overwritten, in a versioned bucket', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const planned = await store.write({ bucket, key: 'versioned.csv' }, chunksOf(Buffer.from('id\nplanned\n')));
    await store.write({ bucket, key: 'versioned.csv' }, chunksOf(Buffer.from('id\nnewer version\n')));
    expect(planned.versionId).toBeDefined();
    expect((await store.head({ bucket, key: 'versioned.csv' })).versionId).not.toBe(planned.versionId);

    const bytes = await readAll(store.read(planned, { start: 3, end: 10 }));

    expect(bytes.toString()).toBe('planned');
  });

  it('deletes more keys than one DeleteObjects request takes, a request per 1,000 keys', async () => {
    const counted = harnessS3Client();
    const requests: string[] = [];
    counted.middlewareStack.add((next, context) => (args) => (requests.push(context.commandName ?? ''), next(args)), { step: 'initialize' });
    const keys = Array.from({ length: 1_001 }, (_, index) => `staging/${String(index).padStart(4, '0')}`);
    for (let at = 0; at < keys.length; at += 50) await Promise.all(keys.slice(at, at + 50).map((key) => store.write({ bucket, key }, chunksOf(Buffer.from(key)))));
    try {
      await new S3ObjectStore(counted).deleteMany(bucket, keys);
    } finally {
      counted.destroy();
    }

    expect(requests).toEqual(['DeleteObjectsCommand', 'DeleteObjectsCommand']);
    expect((await store.list(bucket, 'staging/')).objects).toEqual([]);
  });

  it('fails a DeleteObjects that S3 answers 200 yet names a key it kept, with its code, not its message', async () => {
    const accessKeyId = harnessEnv('S3_ACCESS_KEY_ID');
    const partly = await startAnsweringServer(
      200,
      `<?xml version="1.0" encoding="UTF-8"?><DeleteResult><Error><Key>staging/b</Key><Code>AccessDenied</Code><Message>Access Denied for ${accessKeyId}</Message></Error></DeleteResult>`,
    );
    try {
      const error = await new S3ObjectStore(partly.s3).deleteMany(bucket, ['staging/a', 'staging/b']).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ObjectAccessDeniedError);
      expect(error).toMatchObject({ retriable: false, message: `S3 did not delete s3://${bucket}/staging/b: AccessDenied` });
      expect(String(error)).not.toContain(accessKeyId);
    } finally {
      await partly.close();
    }
  });

  describe('through a proxy that injects faults', () => {
    let proxy: S3FaultProxy;
    let proxiedS3: S3Client;
    let proxied: S3ObjectStore;

    beforeEach(async () => {
      proxy = await S3FaultProxy.start(new URL(harnessEnv('S3_ENDPOINT')));
      proxiedS3 = harnessS3Client(proxy.endpoint);
      proxied = new S3ObjectStore(proxiedS3);
    });
    afterEach(async () => {
      proxiedS3.destroy();
      await proxy.stop();
    });

    it('retries a throttled first read beyond the retries of the SDK, then streams the range', async () => {
      const body = randomBytes(10_000);
      const { etag } = await store.write({ bucket, key: 'throttled.bin' }, chunksOf(body));
      // The SDK makes three attempts per call, so the fourth answer reaches the store's own retry.
      proxy.faults.push('slow-down', 'slow-down', 'slow-down', 'slow-down');

      const bytes = await readAll(proxied.read({ bucket, key: 'throttled.bin', etag }, { start: 10, end: 9_000 }, { retry: quickRetries }));

      expect(bytes.equals(body.subarray(10, 9_000))).toBe(true);
      expect(proxy.requests).toBe(5);
    });

    it('surfaces a transfer that breaks mid-way as a retriable error', async () => {
      const body = randomBytes(500_000);
      const { etag } = await store.write({ bucket, key: 'broken.bin' }, chunksOf(body));
      proxy.faults.push('cut-mid-body');

      let received = 0;
      const read = (async () => {
        for await (const chunk of proxied.read({ bucket, key: 'broken.bin', etag }, 'whole', { retry: quickRetries })) received += chunk.length;
      })();

      await expect(read).rejects.toBeInstanceOf(ObjectStoreUnavailableError);
      await expect(read).rejects.toMatchObject({ retriable: true });
      expect(received).toBeLessThan(body.length);
    });

    it('reports a listing S3 keeps throttling as retriable, naming the status', async () => {
      proxy.faults.push(...Array.from({ length: 3 }, () => 'slow-down' as const));

      const listing = proxied.list(bucket, 'imports/');

      await expect(listing).rejects.toBeInstanceOf(ObjectStoreUnavailableError);
      await expect(listing).rejects.toMatchObject({ retriable: true, message: expect.stringContaining('503') });
    });
  });

  it('gives up after a bounded number of attempts on an unreachable server, with a retriable error', async () => {
    const [closedPort] = await freeLoopbackPorts(1);
    const unreachableS3 = harnessS3Client(`http://127.0.0.1:${closedPort}`);
    try {
      const read = readAll(new S3ObjectStore(unreachableS3).read({ bucket, key: 'any', etag: '"abc"' }, 'whole', { retry: quickRetries }));

      await expect(read).rejects.toBeInstanceOf(ObjectStoreUnavailableError);
      await expect(read).rejects.toMatchObject({ retriable: true });
    } finally {
      unreachableS3.destroy();
    }
  });

  it('reads refused credentials as access denied, without the access key S3 echoes back', async () => {
    const accessKeyId = harnessEnv('S3_ACCESS_KEY_ID');
    const refusing = await startAnsweringServer(
      403,
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id ${accessKeyId} you provided does not exist in our records.</Message><AWSAccessKeyId>${accessKeyId}</AWSAccessKeyId></Error>`,
    );
    try {
      const refused = new S3ObjectStore(refusing.s3);
      const errors = await Promise.all([
        refused.list(bucket, '').catch((error: unknown) => error),
        readAll(refused.read({ bucket, key: 'a.csv', etag: '"abc"' }, 'whole', { retry: quickRetries })).catch((error: unknown) => error),
        refused.write({ bucket, key: 'a.csv' }, chunksOf(Buffer.from('a'))).catch((error: unknown) => error),
      ]);

      for (const error of errors) {
        expect(error).toBeInstanceOf(ObjectAccessDeniedError);
        expect(error).toMatchObject({ code: 'ACCESS_DENIED', retriable: false, message: expect.stringContaining('InvalidAccessKeyId (403)') });
        expect(String(error)).not.toContain(accessKeyId);
        expect((error as Error).cause).toBeUndefined();
      }
    } finally {
      await refusing.close();
    }
  });
});

/** A server that answers every request with this status and XML, as S3 would, and a client of it. */
async function startAnsweringServer(status: number, xml: string): Promise<{ s3: S3Client; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'application/xml' });
    response.end(xml);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s3 = harnessS3Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    s3,
    close: async () => {
      s3.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
