import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '@import-jobs/sources';
import type { FastifyRequest } from 'fastify';
import type { StoredUpload } from '../uploads/stored-upload';
import { safeObjectName, storeUpload } from '../uploads/upload-storage';
import { InvalidRequestError, PayloadTooLargeError } from './request-import.errors';
import { formFieldValue } from './request-import.input';

export interface UploadTarget {
  readonly objectStore: ObjectStore;
  readonly bucket: string;
  readonly tenantId: string;
  readonly maxBytes: number;
}

/**
 * Userpilot's direct upload: a multipart form with one `file` part (CSV or NDJSON, optionally
 * gzip) and the job's fields beside it. The file is streamed to the uploads bucket as it arrives,
 * never held whole; the request becomes an import of that object, which the caller names by no
 * URL (the handler takes it as the job's source, and the format from its name unless given).
 * Whatever refuses the request afterwards must `discard()` the stored file.
 */
export async function requestFromUpload(request: FastifyRequest, target: UploadTarget): Promise<{ body: Record<string, unknown>; upload: StoredUpload; discard: () => Promise<void> }> {
  const fields: Record<string, unknown> = {};
  let uploaded: { url: string; filename: string; key: string } | undefined;
  const discard = async () => {
    if (uploaded) await target.objectStore.delete({ bucket: target.bucket, key: uploaded.key });
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || uploaded) {
          part.file.resume();
          throw new InvalidRequestError([{ field: part.fieldname, message: 'send exactly one file, as the part named "file"' }]);
        }
        uploaded = await storeFile(part.file, part.filename, target);
      } else {
        fields[part.fieldname] = formFieldValue(part.fieldname, String(part.value));
      }
    }
    if (!uploaded) throw new InvalidRequestError([{ field: 'file', message: 'is required in a multipart request' }]);
  } catch (error) {
    await discard();
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLargeError(target.maxBytes);
    throw error;
  }
  return { body: fields, upload: { url: uploaded.url, filename: uploaded.filename }, discard };
}

async function storeFile(file: Readable & { truncated?: boolean }, filename: string, { objectStore, bucket, tenantId, maxBytes }: UploadTarget) {
  const key = `${tenantId}/${randomUUID()}/${safeObjectName(filename)}`;
  const stored = await storeUpload(file, { objectStore, bucket, key, maxBytes });
  // The multipart parser stops a file at its own limit (the same one) and marks it truncated.
  if (file.truncated) {
    await objectStore.delete({ bucket, key });
    throw new PayloadTooLargeError(maxBytes);
  }
  return { url: stored.url, filename, key };
}
