import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@import-jobs/sources';
import { harnessEnv } from '../../harness/env';

/**
 * Writes an object at the very bucket and key README names (`s3://demo/...`, `s3://imports/...`),
 * in the harness's S3 server, creating the bucket when no test has yet.
 */
export async function putNamedObject(bucket: string, key: string, body: Buffer | string): Promise<void> {
  const s3 = createS3Client({
    endpoint: harnessEnv('S3_ENDPOINT'),
    region: harnessEnv('S3_REGION'),
    credentials: { accessKeyId: harnessEnv('S3_ACCESS_KEY_ID'), secretAccessKey: harnessEnv('S3_SECRET_ACCESS_KEY') },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
  } finally {
    s3.destroy();
  }
}
