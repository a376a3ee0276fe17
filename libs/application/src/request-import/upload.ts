import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { FastifyRequest } from 'fastify';
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
  const format = fields.format ?? formatByExtension.find(([pattern]) => pattern.test(uploaded.filename))?.[1];
  const metadata = { ...(fields.metadata as Record<string, string> | undefined), filename: uploaded.filename };
  return { ...fields, ...(format !== undefined && { format }), metadata, sources: [{ url: uploaded.url, type: 'object' }] };
}

async function storeFile(file: NodeJS.ReadableStream & { truncated?: boolean }, filename: string, { s3, bucket, tenantId, maxBytes }: UploadTarget) {
  // The name the client gave is kept (its extension tells the format and gzip), made safe for a key.
  const safeName = filename.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200) || 'upload';
  const key = `${tenantId}/${randomUUID()}/${safeName}`;
  let bytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  file.pipe(counting);
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: counting } }).done();
  if (file.truncated || bytes > maxBytes) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    throw new PayloadTooLargeError(maxBytes);
  }
  return { url: `s3://${bucket}/${key}`, filename };
}

function parseJsonField(field: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidRequestError([{ field, message: 'must be JSON in a multipart request' }]);
  }
}
