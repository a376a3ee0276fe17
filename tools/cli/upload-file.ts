import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { ApiUnreachableError, type ApiConnection } from './api-connection';

export type FileFormat = 'CSV' | 'JSON';

/** The format names the API takes, told by the endings it reads the same way. */
const formatByName: ReadonlyArray<readonly [RegExp, FileFormat]> = [
  [/\.csv(\.gz)?$/i, 'CSV'],
  [/\.(ndjson|jsonl|json)(\.gz)?$/i, 'JSON'],
];

export function formatOfName(name: string): FileFormat | undefined {
  return formatByName.find(([pattern]) => pattern.test(name))?.[1];
}

/** One of the content types the upload route streams rather than parses. */
function contentTypeOf(name: string): string {
  if (/\.gz$/i.test(name)) return 'application/gzip';
  const format = formatOfName(name);
  if (format === 'CSV') return 'text/csv';
  return format === 'JSON' ? 'application/x-ndjson' : 'application/octet-stream';
}

export interface LocalFile {
  readonly path: string;
  /** The name the upload keeps: the job's `filename`, and what tells the service a `.gz`. */
  readonly name: string;
  readonly size: number;
}

/** The fields of the API's upload resource the CLI reads. */
interface Upload {
  readonly uploadId: string;
  readonly url: string;
  readonly bytes: number | null;
}

/**
 * Sends a local file as an upload (`POST /v1/uploads`, then its bytes to the upload's `url`) and
 * returns the upload's id. The bytes are streamed as they are read, a chunk at a time, so that a
 * file of any size costs the same memory; a `.gz` file goes as it is, for the service to inflate.
 */
export async function uploadFile(api: ApiConnection, file: LocalFile, onSent: (bytes: number) => void): Promise<string> {
  const upload = await api.send<Upload>('POST', '/v1/uploads', { filename: file.name });
  const headers = api.headers({ accept: 'application/json', 'content-type': contentTypeOf(file.name), 'content-length': String(file.size) });
  const stored = await api.answer<Upload>(await put(api, api.url(upload.url), headers, file.path, onSent));
  if (stored.bytes !== file.size) {
    throw new Error(`the API stored ${String(stored.bytes)} bytes of ${file.name}, not its ${file.size}: did the file change while it was sent?`);
  }
  return upload.uploadId;
}

/**
 * The PUT through node:http rather than fetch: fetch reads a streamed body ahead of the socket, so
 * that a 1 GiB file held about 1 GiB of memory; a piped request reads only as fast as it sends.
 */
function put(api: ApiConnection, url: string, headers: Record<string, string>, path: string, onSent: (bytes: number) => void): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: 'PUT', headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', (error) => reject(new ApiUnreachableError(api.baseUrl, error)));
      answer.on('end', () => resolve(new Response(chunks.length > 0 ? Buffer.concat(chunks) : null, { status: answer.statusCode ?? 502, statusText: answer.statusMessage ?? '' })));
    });
    const bytes = createReadStream(path);
    let unreadable: Error | undefined;
    bytes.on('error', (error) => (unreadable = error));
    request.on('error', (error) => reject(unreadable ?? new ApiUnreachableError(api.baseUrl, error)));
    let sent = 0;
    // A failure is told by the request's error or, when the service answered before taking every byte (a 413), by the answer.
    pipeline(
      bytes,
      async function* count(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          yield chunk;
          sent += chunk.length;
          onSent(sent);
        }
      },
      request,
    ).catch(() => undefined);
  });
}
