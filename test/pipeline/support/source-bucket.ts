import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@import-jobs/sources';
import { harnessEnv } from '../../harness/env';
import { randomSuffix } from './random-suffix';

/** A bucket of source files that only one test file writes to. */
export class SourceBucket {
  private constructor(
    private readonly s3: S3Client,
    readonly name: string,
  ) {}

  static async create(): Promise<SourceBucket> {
    const s3 = createS3Client({
      endpoint: harnessEnv('S3_ENDPOINT'),
      region: harnessEnv('S3_REGION'),
      credentials: { accessKeyId: harnessEnv('S3_ACCESS_KEY_ID'), secretAccessKey: harnessEnv('S3_SECRET_ACCESS_KEY') },
    });
    const name = `pipeline-sources-${randomSuffix()}`;
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    return new SourceBucket(s3, name);
  }

  /** Writes an object and returns its `s3://` URL. */
  async put(key: string, body: string | Uint8Array): Promise<string> {
    // The length stated, since the SDK cannot tell an empty string's and warns about it.
    const ContentLength = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    await this.s3.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ContentLength }));
    return this.url(key);
  }

  url(key: string): string {
    return `s3://${this.name}/${key}`;
  }

  close(): void {
    this.s3.destroy();
  }
}
