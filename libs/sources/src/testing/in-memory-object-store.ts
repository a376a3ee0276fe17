import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ObjectChangedError,
  ObjectNotFoundError,
  ObjectRefusedError,
  ObjectTooLargeError,
  objectUrl,
  type ListOptions,
  type ObjectListPage,
  type ObjectLocation,
  type ObjectRange,
  type ObjectStore,
  type ObjectVersion,
  type StoredObject,
  type WriteOptions,
} from '../object-store';

interface Held {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly contentType?: string;
}

/** Bytes a read hands out at a time, so that callers meet a body in chunks as they would from S3. */
const chunkBytes = 64 * 1024;
const defaultPageSize = 1_000;

/**
 * An object store in memory, for unit tests: it passes the same contract as the S3 adapter (see
 * `testObjectStore`), so that a test on it shows what the service does on S3. Buckets are made with
 * `createBucket`; presigned links are served by a loopback HTTP server started on the first
 * `presign`, which `close` stops.
 */
export class InMemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, Map<string, Held>>();
  private readonly signingKey = randomBytes(32);
  private server: Promise<Server> | undefined;

  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  async close(): Promise<void> {
    const server = await this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  async list(bucket: string, prefix: string, { pageSize = defaultPageSize, page }: ListOptions = {}): Promise<ObjectListPage> {
    const objects = this.bucket(bucket);
    const keys = [...objects.keys()]
      .filter((key) => key.startsWith(prefix) && (page === undefined || compareKeys(key, page) > 0))
      .sort(compareKeys);
    const listed = keys.slice(0, pageSize).map((key) => this.stored(bucket, key, objects.get(key)!));
    const last = listed[listed.length - 1];
    return { objects: listed, ...(keys.length > pageSize && last && { nextPage: last.key }) };
  }

  async head({ bucket, key }: ObjectLocation): Promise<StoredObject> {
    return this.stored(bucket, key, this.object({ bucket, key }));
  }

  async *read(version: ObjectVersion, range: ObjectRange): AsyncGenerator<Uint8Array> {
    if (range !== 'whole' && (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0 || range.end < range.start)) {
      throw new RangeError(`[${range.start}, ${range.end}) is not a byte range`);
    }
    if (range !== 'whole' && range.start === range.end) return;
    const held = this.object(version);
    if (held.etag !== version.etag) throw new ObjectChangedError(`${objectUrl(version)} changed: its ETag is no longer ${version.etag}`);
    const { start, end } = range === 'whole' ? { start: 0, end: held.bytes.length } : range;
    if (end > held.bytes.length) throw new ObjectRefusedError(`${objectUrl(version)} holds ${held.bytes.length} bytes, not [${start}, ${end})`);
    for (let at = start; at < end; at += chunkBytes) yield Buffer.from(held.bytes.subarray(at, Math.min(end, at + chunkBytes)));
  }

  async write({ bucket, key }: ObjectLocation, body: AsyncIterable<Uint8Array>, { contentType, maxBytes }: WriteOptions = {}): Promise<StoredObject> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (maxBytes !== undefined && size > maxBytes) throw new ObjectTooLargeError(maxBytes);
      chunks.push(Buffer.from(chunk));
    }
    const bytes = Buffer.concat(chunks);
    const held = { bytes, etag: `"${createHash('md5').update(bytes).digest('hex')}"`, ...(contentType !== undefined && { contentType }) };
    this.bucket(bucket).set(key, held);
    return this.stored(bucket, key, held);
  }

  async delete({ bucket, key }: ObjectLocation): Promise<void> {
    this.bucket(bucket).delete(key);
  }

  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const objects = this.bucket(bucket);
    for (const key of keys) objects.delete(key);
  }

  async presign(location: ObjectLocation, expiresInSeconds: number): Promise<string> {
    const server = await (this.server ??= this.listen());
    const { port } = server.address() as AddressInfo;
    const path = `/${encodeURIComponent(location.bucket)}/${encodeURIComponent(location.key)}`;
    const expires = String(Date.now() + expiresInSeconds * 1000);
    return `http://127.0.0.1:${port}${path}?expires=${expires}&signature=${this.sign(path, expires)}`;
  }

  private bucket(bucket: string): Map<string, Held> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new ObjectNotFoundError(`bucket "${bucket}" does not exist`, 'bucket');
    return objects;
  }

  private object(location: ObjectLocation): Held {
    const held = this.bucket(location.bucket).get(location.key);
    if (!held) throw new ObjectNotFoundError(`${objectUrl(location)} does not exist`, 'object');
    return held;
  }

  private stored(bucket: string, key: string, { bytes, etag }: Held): StoredObject {
    return { bucket, key, etag, size: bytes.length };
  }

  private sign(path: string, expires: string): string {
    return createHmac('sha256', this.signingKey).update(`${path}\n${expires}`).digest('hex');
  }

  private async listen(): Promise<Server> {
    const server = createServer((request, response) => this.serve(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const expires = url.searchParams.get('expires') ?? '';
    const given = Buffer.from(url.searchParams.get('signature') ?? '');
    const expected = Buffer.from(this.sign(url.pathname, expires));
    if (request.method !== 'GET' || given.length !== expected.length || !timingSafeEqual(given, expected) || Number(expires) < Date.now()) {
      response.writeHead(403).end();
      return;
    }
    const [, bucket = '', key = ''] = url.pathname.split('/').map(decodeURIComponent);
    const held = this.buckets.get(bucket)?.get(key);
    if (!held) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': held.bytes.length, ...(held.contentType !== undefined && { 'content-type': held.contentType }) }).end(held.bytes);
  }
}

/** S3's order: keys compared as UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
