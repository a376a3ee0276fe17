import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { harnessS3Client } from '../harness/s3';
import { cityFile } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { randomSuffix } from './support/random-suffix';
import { recordObjectReads } from './support/second-worker';
import { createDestinationTopic } from './support/topics';

const allowedBucket = `guarded-sources-${randomSuffix()}`;
const maxStagedBytes = 1024 * 1024;

describe('guards: the buckets a job may read, the gzip bomb, and the one error shape', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 64 * 1024, allowedBuckets: [allowedBucket], maxStagedBytes });
  const s3 = harnessS3Client();

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: allowedBucket }));
  });

  afterAll(() => s3.destroy());

  async function put(key: string, body: string | Uint8Array): Promise<string> {
    await s3.send(new PutObjectCommand({ Bucket: allowedBucket, Key: key, Body: body }));
    return `s3://${allowedBucket}/${key}`;
  }

  it('answers 403 for a bucket off the allow-list, and the service sends it no request', async () => {
    const { api, pipeline } = suite;
    const forbidden = `not-allowed-${randomSuffix()}`;
    const requestsToForbidden = recordObjectReads(pipeline.s3, forbidden, { anyCommand: true });

    const refused = await api.requestImport({ sources: [{ url: `s3://${forbidden}/secrets.csv`, type: 'object' }], format: 'CSV', destinationTopic: 'x' });

    expect(refused).toMatchObject({
      status: 403,
      body: { type: 'Forbidden', code: 'SOURCE_NOT_GRANTED', details: [{ field: 'sources[0].url' }], requestId: expect.any(String) },
    });
    expect(requestsToForbidden).toEqual([]);
  });

  it('fails a job whose gzip inflates past the cap, with the reason, and the worker goes on to the next job', async () => {
    const { api, messaging, jobIds } = suite;
    // 16 MiB of rows that compress to a few KiB: a small bomb, 16 times the cap.
    const bomb = gzipSync(`id,text\n${'1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(16 * 1024 * 1024 / 58)}`);
    expect(bomb.byteLength).toBeLessThan(maxStagedBytes);
    const destinationTopic = await createDestinationTopic(messaging, 'guarded');

    const bombJob = await api.startImport({ sources: [{ url: await put('bomb.csv.gz', bomb), type: 'object' }], format: 'CSV', destinationTopic });
    jobIds.push(bombJob);
    const failed = await api.waitUntilFinished(bombJob);
    // Stopped while the planner decompresses it, whatever pieces of it went out before.
    expect(failed).toMatchObject({ status: 'Failed', failureReason: { code: 'SOURCE_UNREADABLE' } });
    expect(failed.failureReason?.message).toContain(`more than ${maxStagedBytes} bytes`);

    const good = cityFile('after-the-bomb', 30);
    const goodJob = await api.startImport({ sources: [{ url: await put('good.csv', good.body), type: 'object' }], format: 'CSV', destinationTopic });
    jobIds.push(goodJob);
    expect(await api.waitUntilFinished(goodJob)).toMatchObject({ status: 'Completed', rows: { imported: 30 } });
  });

  it('answers every error in one shape: an unknown route, a body that is not JSON, with the request id the client sent', async () => {
    const { pipeline } = suite;

    const unknown = await fetch(`${pipeline.url}/v1/no-such-thing`, { headers: { 'x-request-id': 'trace-404' } });
    expect({ status: unknown.status, body: await unknown.json() }).toMatchObject({
      status: 404,
      body: { type: 'NotFound', code: 'HTTP_404', message: expect.any(String), details: [], requestId: 'trace-404' },
    });
    const notJson = await fetch(`${pipeline.url}/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sources": [' });
    expect({ status: notJson.status, body: await notJson.json() }).toMatchObject({
      status: 400,
      body: { type: 'BadRequest', code: expect.any(String), message: expect.any(String), details: [], requestId: expect.any(String), errors: [expect.any(Object)] },
    });
  });

  itChecksEveryJobOfTheFile(suite);
});
