import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createTestBucket, harnessS3Client } from '../../../../test/harness/s3';

/**
 * What the sources need from an S3-compatible server, checked against the one the harness starts:
 * ranged reads pinned to a version by ETag, full listings across pages, and multipart uploads.
 */
describe('the S3 server, through createS3Client', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(() => {
    s3 = harnessS3Client();
  });
  afterAll(() => s3.destroy());

  beforeEach(async () => {
    bucket = await createTestBucket(s3, 'sources');
  });

  async function put(key: string, body: Buffer): Promise<string> {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    if (!ETag) throw new Error(`no ETag for ${key}`);
    return ETag;
  }

  async function read(key: string, options: { range?: string; ifMatch?: string } = {}): Promise<{ bytes: Buffer; contentRange?: string }> {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: options.range, IfMatch: options.ifMatch }));
    const bytes = Buffer.from(await response.Body!.transformToByteArray());
    return { bytes, contentRange: response.ContentRange };
  }

  it('serves exact byte ranges: the start, the middle and the end of an object', async () => {
    const body = randomBytes(10_000);
    await put('data/file.bin', body);

    const start = await read('data/file.bin', { range: 'bytes=0-99' });
    const middle = await read('data/file.bin', { range: 'bytes=4321-6789' });
    const end = await read('data/file.bin', { range: 'bytes=9990-9999' });

    expect(start.bytes.equals(body.subarray(0, 100))).toBe(true);
    expect(middle.bytes.equals(body.subarray(4321, 6790))).toBe(true);
    expect(middle.contentRange).toBe('bytes 4321-6789/10000');
    expect(end.bytes.equals(body.subarray(9990))).toBe(true);
  });

  it('reads a range only while the ETag still matches', async () => {
    const body = Buffer.from('id,name\n1,Ada\n2,Grace\n');
    const etag = await put('people.csv', body);

    const matching = await read('people.csv', { range: 'bytes=8-13', ifMatch: etag });
    expect(matching.bytes.toString()).toBe('1,Ada\n');

    await put('people.csv', Buffer.from('id,name\n1,Changed\n'));
    const stale = read('people.csv', { range: 'bytes=8-13', ifMatch: etag });
    await expect(stale).rejects.toBeInstanceOf(S3ServiceException);
    await expect(stale).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
  });

  it('lists every key exactly once across pages, sub-folders included', async () => {
    const keys = [
      ...Array.from({ length: 9 }, (_, i) => `imports/part-${i}.ndjson`),
      ...Array.from({ length: 7 }, (_, i) => `imports/2024/01/part-${i}.ndjson`),
      ...Array.from({ length: 5 }, (_, i) => `imports/2024/02/deep/er/part-${i}.csv`),
    ];
    await Promise.all(keys.map((key) => put(key, Buffer.from(key))));
    await put('elsewhere/not-listed.csv', Buffer.from('x'));

    const listed: string[] = [];
    let pages = 0;
    let continuationToken: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'imports/', MaxKeys: 4, ContinuationToken: continuationToken }),
      );
      pages++;
      expect(page.KeyCount).toBeLessThanOrEqual(4);
      listed.push(...(page.Contents ?? []).map((object) => object.Key!));
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);

    expect(pages).toBe(Math.ceil(keys.length / 4));
    expect([...listed].sort()).toEqual([...keys].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('assembles a multipart upload that reads back whole', async () => {
    const minimumPartSize = 5 * 1024 * 1024;
    const parts = [randomBytes(minimumPartSize), randomBytes(minimumPartSize), randomBytes(1_234)];
    const key = 'uploads/large.ndjson';

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const uploaded = [];
    for (const [index, body] of parts.entries()) {
      const PartNumber = index + 1;
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body: body }));
      uploaded.push({ PartNumber, ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: uploaded } }));

    const whole = await read(key);
    expect(whole.bytes.length).toBe(minimumPartSize * 2 + 1_234);
    expect(whole.bytes.equals(Buffer.concat(parts))).toBe(true);
  });
});
