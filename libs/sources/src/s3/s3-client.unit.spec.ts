import { createS3Client } from './s3-client';

describe('createS3Client', () => {
  it('suits an S3-compatible server when given an endpoint', async () => {
    const client = createS3Client({
      endpoint: 'http://127.0.0.1:9090',
      region: 'us-east-1',
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
    });

    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const endpoint = await client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:9090');
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'key', secretAccessKey: 'secret' });
  });

  it("keeps the SDK's defaults for Amazon S3 itself", async () => {
    const client = createS3Client({ region: 'eu-west-1' });

    expect(client.config.forcePathStyle).toBe(false);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
  });
});
