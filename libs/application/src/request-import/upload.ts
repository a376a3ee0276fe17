import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyRequest } from 'fastify';
import { safeObjectName, storeUpload } from '../uploads/upload-storage';
import { InvalidRequestError, PayloadTooLargeError } from './request-import.errors';

export interface UploadTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly tenantId: string;
  readonly maxBytes: number;
}

/** Form fields that hold JSON rather than a plain string. */
const jsonFields = new Set(['schema', 'metadata', 'failurePolicy']);
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
 * never held whole, and the request becomes an import of that object; `format` defaults to what
 * the file name says.
 */
export async function requestBodyFromUpload(request: FastifyRequest, target: UploadTarget): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = {};
  let uploaded: { url: string; filename: string } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || uploaded) {
          part.file.resume();
          throw new InvalidRequestError([{ field: part.fieldname, message: 'send exactly one file, as the part named "file"' }]);
        }
        uploaded = await storeFile(part.file, part.filename, target);
      } else {
        fields[part.fieldname] = jsonFields.has(part.fieldname) ? parseJsonField(part.fieldname, String(part.value)) : part.value;
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLargeError(target.maxBytes);
    throw error;
  }
  if (!uploaded) throw new InvalidRequestError([{ field: 'file', message: 'is required in a multipart request' }]);
  const format = fields.format ?? formatOfFilename(uploaded.filename);
  const metadata = { ...(fields.metadata as Record<string, string> | undefined), filename: uploaded.filename };
  return { ...fields, ...(format !== undefined && { format }), metadata, sources: [{ url: uploaded.url, type: 'object' }] };
}

async function storeFile(file: Readable & { truncated?: boolean }, filename: string, { s3, bucket, tenantId, maxBytes }: UploadTarget) {
  const key = `${tenantId}/${randomUUID()}/${safeObjectName(filename)}`;
  const stored = await storeUpload(file, { s3, bucket, key, maxBytes });
  // The multipart parser stops a file at its own limit (the same one) and marks it truncated.
  if (file.truncated) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    throw new PayloadTooLargeError(maxBytes);
  }
  return { url: stored.url, filename };
}

function parseJsonField(field: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidRequestError([{ field, message: 'must be JSON in a multipart request' }]);
  }
}
