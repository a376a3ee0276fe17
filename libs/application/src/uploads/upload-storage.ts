import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PayloadTooLargeError } from '../request-import/request-import.errors';

export interface UploadDestination {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly maxBytes: number;
}

/** Keeps the name a client gave (its extension tells the format and gzip), made safe for a key. */
export function safeObjectName(filename: string): string {
  return filename.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200) || 'upload';
}

/**
 * Streams a request body into the uploads bucket as a multipart upload, a few parts in memory at a
 * time whatever the file's size. Past `maxBytes` the stream fails, which aborts the multipart
 * upload, so nothing of a refused file is left behind.
 */
export async function storeUpload(body: Readable, { s3, bucket, key, maxBytes }: UploadDestination): Promise<{ url: string; bytes: number }> {
  let bytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > maxBytes ? new PayloadTooLargeError(maxBytes) : null, chunk);
    },
  });
  // Two 5 MiB parts in flight: what one upload holds, however large its file and however many
  // clients upload at once.
  const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: counting }, queueSize: 2 });
  await Promise.all([pipeline(body, counting), upload.done()]);
  return { url: `s3://${bucket}/${key}`, bytes };
}
