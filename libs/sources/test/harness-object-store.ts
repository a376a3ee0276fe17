import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createTestBucket, harnessS3Client } from '../../../test/harness/s3';
import { harnessEnv } from '../../../test/harness/env';
import { S3ObjectStore } from '../src/s3/s3-object-store';
import type { ObjectStoreFixture } from '../src/testing/object-store.contract';

export interface HarnessObjectStore extends ObjectStoreFixture {
  readonly store: S3ObjectStore;
  /** A new bucket of the test's own, named after `purpose`. */
  newBucket(purpose?: string): Promise<string>;
  /** A bucket of the name the test chose, e.g. one a worker was told about before it existed. */
  createBucket(name: string): Promise<void>;
}

/**
 * The service's S3 adapter on the harness's S3 server, for int specs: they arrange and read objects
 * through the port the service uses. `endpoint` points it elsewhere, e.g. at a fault-injecting proxy.
 */
export function harnessObjectStore(endpoint?: string): HarnessObjectStore {
  const s3 = harnessS3Client(endpoint);
  return {
    store: new S3ObjectStore(s3),
    newBucket: (purpose = 'object-store') => createTestBucket(s3, purpose),
    createBucket: async (name) => void (await s3.send(new CreateBucketCommand({ Bucket: name }))),
    credentials: [harnessEnv('S3_ACCESS_KEY_ID'), harnessEnv('S3_SECRET_ACCESS_KEY')],
    close: async () => s3.destroy(),
  };
}
