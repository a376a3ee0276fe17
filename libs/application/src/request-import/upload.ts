import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyRequest } from 'fastify';
import { safeObjectName, storeUpload } from '../uploads/upload-storage';
import { InvalidRequestError, PayloadTooLargeError } from './request-import.errors';

/** A file the service itself stored for the tenant: a job's source trusted as no URL in a body is. */
export interface StoredUpload {
  readonly url: string;
  readonly filename: string;
}

export interface UploadTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly tenantId: string;
  readonly maxBytes: number;
}

/** Form fields that hold JSON rather than a plain string. */
const jsonFields = new Set(['schema', 'metadata', 'failurePolicy']);
const booleanFields = new Set(['exclusiveDestination']);
const formatByExtension: ReadonlyArray<readonly [RegExp, 'CSV' | 'JSON']> = [
  [/\.csv(\.gz)?$/i, 'CSV'],
  [/\.(json|ndjson|jsonl)(\.gz)?$/i, 'JSON'],
];

/** The format a file's name tells, for uploads that do not say it. */
export function formatOfFilename(filename: string): 'CSV' | 'JSON' | undefined {
  return formatByExtension.find(([pattern]) => pattern.test(filename))?.[1];
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
    if (uploaded) await target.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: uploaded.key }));
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
        fields[part.fieldname] = typedFormField(part.fieldname, String(part.value));
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

async function storeFile(file: Readable & { truncated?: boolean }, filename: string, { s3, bucket, tenantId, maxBytes }: UploadTarget) {
  const key = `${tenantId}/${randomUUID()}/${safeObjectName(filename)}`;
  const stored = await storeUpload(file, { s3, bucket, key, maxBytes });
  // The multipart parser stops a file at its own limit (the same one) and marks it truncated.
  if (file.truncated) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    throw new PayloadTooLargeError(maxBytes);
  }
  return { url: stored.url, filename, key };
}

/** A form carries every field as text: each means what its twin in the JSON body means. */
function typedFormField(field: string, value: string): unknown {
  if (booleanFields.has(field)) {
    if (value === 'true' || value === 'false') return value === 'true';
    throw new InvalidRequestError([{ field, message: 'must be true or false in a multipart request' }]);
  }
  if (!jsonFields.has(field)) return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidRequestError([{ field, message: 'must be JSON in a multipart request' }]);
  }
}
