import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@import-jobs/sources';
import { harnessEnv } from './env';

/**
 * A client of the harness's S3 server, built as the service builds its own. `endpoint` points it
 * elsewhere, e.g. at a fault-injecting proxy in front of the server.
 */
export function harnessS3Client(endpoint: string = harnessEnv('S3_ENDPOINT')): S3Client {
  return createS3Client({
    endpoint,
    region: harnessEnv('S3_REGION'),
    credentials: { accessKeyId: harnessEnv('S3_ACCESS_KEY_ID'), secretAccessKey: harnessEnv('S3_SECRET_ACCESS_KEY') },
  });
}

/** A new bucket of the test's own, so that tests never see each other's objects. */
export async function createTestBucket(s3: S3Client, purpose: string): Promise<string> {
  const bucket = `${purpose}-${randomUUID()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
