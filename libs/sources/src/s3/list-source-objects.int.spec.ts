import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportSource } from '@import-jobs/domain';
import { createTestBucket, harnessS3Client } from '../../../../test/harness/s3';
import { harnessEnv } from '../../../../test/harness/env';
import { listSourceObjects, type ListSourceObjectsOptions, type SourceObject } from './list-source-objects';
import { SourceNotFoundError, SourceUnavailableError } from './object-range-reader';

describe('listSourceObjects on the S3 server', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(() => {
    s3 = harnessS3Client(harnessEnv('S3_ENDPOINT'));
  });
  afterAll(() => s3.destroy());

  beforeEach(async () => {
    bucket = await createTestBucket(s3, 'list-sources');
  });

  async function put(key: string, body: string | Buffer = key): Promise<string> {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    if (!ETag) throw new Error(`no ETag for ${key}`);
    return ETag;
  }

  describe('an object source', () => {
    it('is the one object, with the ETag and size of the version stored now', async () => {
      const etag = await put('exports/customers.csv', 'id,name\n1,Ada\n');

      const listed = await all(objectSource(`s3://${bucket}/exports/customers.csv`), { format: 'CSV' });

      expect(listed).toEqual([{ bucket, key: 'exports/customers.csv', etag, size: 14, compression: 'none' }]);
    });

    it('is gzip when its key ends in .gz, whatever the case', async () => {
      await put('exports/customers.CSV.GZ', Buffer.from([0x1f, 0x8b]));

      const [listed] = await all(objectSource(`s3://${bucket}/exports/customers.CSV.GZ`), { format: 'CSV' });

      expect(listed).toMatchObject({ compression: 'gzip', size: 2 });
    });

    it('is not found when the key is missing, naming the URL', async () => {
      const url = `s3://${bucket}/exports/missing.csv`;

      const listing = all(objectSource(url), { format: 'CSV' });

      await expect(listing).rejects.toBeInstanceOf(SourceNotFoundError);
      await expect(listing).rejects.toMatchObject({ retriable: false, message: `${url} does not exist` });
    });

    it('is not found when the bucket is missing, naming the bucket', async () => {
      const missingBucket = `missing-${randomUUID()}`;

      const listing = all(objectSource(`s3://${missingBucket}/customers.csv`), { format: 'CSV' });

      await expect(listing).rejects.toBeInstanceOf(SourceNotFoundError);
      await expect(listing).rejects.toThrow(`bucket "${missingBucket}"`);
    });
  });

  describe('a prefix source', () => {
    it('keeps every file of the format below the prefix, across pages and sub-folders', async () => {
      const csvFiles = [
        ...Array.from({ length: 7 }, (_, i) => `imports/part-${i}.csv`),
        ...Array.from({ length: 6 }, (_, i) => `imports/2024/01/part-${i}.CSV`),
        'imports/2024/02/deep/er/part.csv.gz',
        'imports/2024/02/deep/er/Part.Csv.Gz',
        'imports/empty.csv',
      ];
      const jsonFiles = ['imports/a.json', 'imports/2024/b.NDJSON', 'imports/2024/01/c.jsonl', 'imports/2024/01/d.ndjson.gz'];
      const neither = ['imports/readme.txt', 'imports/csv', 'imports/data.csv.zip', 'imports/archive.gz'];
      const folders = ['imports/', 'imports/2024/', 'imports/folder.csv/'];
      await Promise.all([...csvFiles, ...jsonFiles, ...neither, ...folders].map((key) => put(key, key === 'imports/empty.csv' ? Buffer.alloc(0) : key)));
      await put('elsewhere/outside.csv');

      const csv = await all(prefixSource(`s3://${bucket}/imports/`), { format: 'CSV', pageSize: 4 });
      const json = await all(prefixSource(`s3://${bucket}/imports/`), { format: 'JSON', pageSize: 4 });

      expect(csv.map((object) => object.key).sort()).toEqual([...csvFiles].sort());
      expect(json.map((object) => object.key).sort()).toEqual([...jsonFiles].sort());
      expect(csv.find((object) => object.key === 'imports/empty.csv')).toMatchObject({ size: 0, compression: 'none' });
      expect(csv.filter((object) => object.compression === 'gzip').map((object) => object.key).sort()).toEqual([
        'imports/2024/02/deep/er/Part.Csv.Gz',
        'imports/2024/02/deep/er/part.csv.gz',
      ]);
      expect(csv.every((object) => object.bucket === bucket && /^"[^"]+"$/.test(object.etag))).toBe(true);
    });

    it('is the whole bucket when the URL names no prefix', async () => {
      await Promise.all(['a.ndjson', 'x/b.json'].map((key) => put(key)));

      const listed = await all(prefixSource(`s3://${bucket}`), { format: 'JSON' });

      expect(listed.map((object) => object.key).sort()).toEqual(['a.ndjson', 'x/b.json']);
    });

    it('yields nothing for a prefix that holds no file of the format', async () => {
      await put('imports/only.json');

      await expect(all(prefixSource(`s3://${bucket}/imports/`), { format: 'CSV' })).resolves.toEqual([]);
      await expect(all(prefixSource(`s3://${bucket}/nothing-here/`), { format: 'CSV' })).resolves.toEqual([]);
    });

    it('is not found when the bucket is missing, naming the bucket', async () => {
      const missingBucket = `missing-${randomUUID()}`;

      const listing = all(prefixSource(`s3://${missingBucket}/imports/`), { format: 'CSV' });

      await expect(listing).rejects.toBeInstanceOf(SourceNotFoundError);
      await expect(listing).rejects.toThrow(`bucket "${missingBucket}"`);
    });
  });

  it('reports an S3 that keeps answering 503 SlowDown as retriable, once the SDK has retried', async () => {
    const slowDown = await startSlowDownServer();
    const busyS3 = harnessS3Client(slowDown.endpoint);
    try {
      const listing = all(prefixSource(`s3://${bucket}/imports/`), { format: 'CSV' }, busyS3);

      await expect(listing).rejects.toBeInstanceOf(SourceUnavailableError);
      await expect(listing).rejects.toMatchObject({ retriable: true, message: expect.stringContaining('503') });
      expect(slowDown.requests()).toBeGreaterThan(1);
    } finally {
      busyS3.destroy();
      await slowDown.close();
    }
  });

  async function all(source: ImportSource, options: ListSourceObjectsOptions, client: S3Client = s3): Promise<SourceObject[]> {
    const listed: SourceObject[] = [];
    for await (const object of listSourceObjects(client, source, options)) listed.push(object);
    return listed;
  }
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────


function objectSource(url: string): ImportSource {
  return { url, type: 'object' };
}

function prefixSource(url: string): ImportSource {
  return { url, type: 'prefix' };
}

/** A real HTTP server that answers every request as a throttling S3 does. */
async function startSlowDownServer(): Promise<{ endpoint: string; requests(): number; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    request.resume();
    response.writeHead(503, { 'content-type': 'application/xml' });
    response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
