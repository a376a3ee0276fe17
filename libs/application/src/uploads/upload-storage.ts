import type { Readable } from 'node:stream';
import { ObjectTooLargeError, objectUrl, type ObjectStore } from '@import-jobs/sources';
import { PayloadTooLargeError } from '../request-import/request-import.errors';

export interface UploadDestination {
  readonly objectStore: ObjectStore;
  readonly bucket: string;
  readonly key: string;
  readonly maxBytes: number;
}

/** Keeps the name a client gave (its extension tells the format and gzip), made safe for a key. */
export function safeObjectName(filename: string): string {
  return filename.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200) || 'upload';
}

/**
 * Streams a request body into the uploads bucket, a few parts in memory at a time whatever the
 * file's size. Past `maxBytes` the write fails, so nothing of a refused file is left behind.
 */
export async function storeUpload(body: Readable, { objectStore, bucket, key, maxBytes }: UploadDestination): Promise<{ url: string; bytes: number }> {
  try {
    const { size } = await objectStore.write({ bucket, key }, body, { maxBytes });
    return { url: objectUrl({ bucket, key }), bytes: size };
  } catch (error) {
    if (error instanceof ObjectTooLargeError) throw new PayloadTooLargeError(maxBytes);
    throw error;
  }
}
