import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isMarkedRetriable, retry, type RetryPolicy } from '@import-jobs/retry';
import {
  ObjectNotFoundError,
  ObjectRefusedError,
  ObjectStoreUnavailableError,
  ObjectTooLargeError,
  objectUrl,
  type ListOptions,
  type ObjectListPage,
  type ObjectLocation,
  type ObjectRange,
  type ObjectStore,
  type ObjectVersion,
  type ReadOptions,
  type StoredObject,
  type WriteOptions,
} from '../object-store';
import { faultOf, toObjectStoreError, unremovedObjectError } from './s3-errors';

// The SDK already retries each request a few times within ~1 s. These attempts are on top of those,
// spaced wider, because a throttled bucket stays throttled for seconds, and giving up costs the
// caller the whole piece (its transaction is aborted and the piece is read again from the start).
/** How often the first request of a read is tried when the server is busy or away, and how long to wait between. */
export const defaultReadRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };

/** The most keys S3 takes in one DeleteObjects request. */
const maxKeysPerDelete = 1_000;

export interface S3ObjectStoreOptions {
  /**
   * Parts a write holds and sends at once, each 5 MiB (S3's smallest): what one write holds in
   * memory, however long its body and however many writes run at once.
   */
  readonly partsInFlight?: number;
}

/** The object store on Amazon S3 or an S3-compatible server, through a client of `createS3Client`. */
export class S3ObjectStore implements ObjectStore {
  private readonly partsInFlight: number;

  constructor(
    private readonly s3: S3Client,
    { partsInFlight = 2 }: S3ObjectStoreOptions = {},
  ) {
    this.partsInFlight = partsInFlight;
  }

  async list(bucket: string, prefix: string, { pageSize, page }: ListOptions = {}): Promise<ObjectListPage> {
    let answer;
    try {
      answer = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: page }));
    } catch (error) {
      throw toObjectStoreError(error, { described: objectUrl({ bucket, key: prefix }), bucket });
    }
    const objects = (answer.Contents ?? []).map(({ Key: key, ETag: etag, Size: size }) => {
      if (key === undefined || etag === undefined || size === undefined) {
        throw new ObjectRefusedError(`S3 listed an object of ${objectUrl({ bucket, key: prefix })} without a key, an ETag or a size`);
      }
      return { bucket, key, etag, size };
    });
    const nextPage = answer.IsTruncated ? answer.NextContinuationToken : undefined;
    return { objects, ...(nextPage !== undefined && { nextPage }) };
  }

  async head({ bucket, key }: ObjectLocation): Promise<StoredObject> {
    const url = objectUrl({ bucket, key });
    let head;
    try {
      head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      const translated = toObjectStoreError(error, { described: url, bucket });
      // A HEAD answer has no body, so its 404 cannot say whether the bucket or the key is missing.
      if (translated instanceof ObjectNotFoundError && !(await this.bucketExists(bucket))) {
        throw new ObjectNotFoundError(`bucket "${bucket}" does not exist`, 'bucket');
      }
      throw translated;
    }
    if (head.ETag === undefined || head.ContentLength === undefined) throw new ObjectRefusedError(`S3 gave no ETag or size for ${url}`);
    return { bucket, key, etag: head.ETag, ...(head.VersionId !== undefined && { versionId: head.VersionId }), size: head.ContentLength };
  }

  /**
   * The version is pinned with `If-Match` on the ETag, and with the version id where there is one.
   * Only the first request is retried: once bytes have been handed out, a broken transfer surfaces
   * as a retriable ObjectStoreUnavailableError and the caller starts again, since resuming would
   * need a second request that the caller's parser could not tell from the first.
   */
  async *read(version: ObjectVersion, range: ObjectRange, { retry: policy = defaultReadRetryPolicy }: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    if (range !== 'whole') checkRange(range);
    if (range !== 'whole' && range.start === range.end) return;

    const response = await this.openWithRetries(version, range, policy);
    const described = describe(version, range);
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) throw new ObjectStoreUnavailableError(`${described}: the server sent no body`);
    const expectedBytes = range === 'whole' ? response.ContentLength : range.end - range.start;
    const chunks = body[Symbol.asyncIterator]();
    let received = 0;
    try {
      if (range !== 'whole' && response.ContentLength !== expectedBytes) {
        // The ETag matched, so this is the version named: either the range runs past its end, or
        // the server ignored the Range header. Neither changes on a second read.
        throw new ObjectRefusedError(`${described}: expected ${expectedBytes} bytes, the server sends ${String(response.ContentLength)}`);
      }
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw new ObjectStoreUnavailableError(`${described}: the transfer broke after ${received} bytes: ${faultOf(error)}`);
        }
        if (next.done) break;
        received += next.value.length;
        yield next.value;
      }
    } finally {
      // Destroys the response stream when reading stops early, releasing the connection.
      await chunks.return?.();
    }
    if (expectedBytes !== undefined && received !== expectedBytes) {
      throw new ObjectStoreUnavailableError(`${described}: the transfer ended after ${received} of ${expectedBytes} bytes`);
    }
  }

  /**
   * A multipart upload of `partsInFlight` parts at a time, or one PUT for a body shorter than a
   * part. A failing body fails the upload, which then aborts the multipart upload on S3.
   */
  async write({ bucket, key }: ObjectLocation, body: AsyncIterable<Uint8Array>, { contentType, maxBytes }: WriteOptions = {}): Promise<StoredObject> {
    let size = 0;
    let bodyFault: { readonly error: unknown } | undefined;
    async function* counted(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body) {
          size += chunk.length;
          if (maxBytes !== undefined && size > maxBytes) throw new ObjectTooLargeError(maxBytes);
          yield chunk;
        }
      } catch (error) {
        bodyFault = { error };
        throw error;
      }
    }
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: bucket, Key: key, Body: Readable.from(counted()), ContentType: contentType },
      queueSize: this.partsInFlight,
    });
    let written;
    try {
      written = await upload.done();
    } catch (error) {
      // The body's own fault, not the store's: the caller gets back what its body threw.
      if (bodyFault) throw bodyFault.error;
      throw toObjectStoreError(error, { described: objectUrl({ bucket, key }), bucket });
    }
    if (written.ETag === undefined) throw new ObjectRefusedError(`S3 gave no ETag for ${objectUrl({ bucket, key })}`);
    return { bucket, key, etag: written.ETag, ...(written.VersionId !== undefined && { versionId: written.VersionId }), size };
  }

  async delete({ bucket, key }: ObjectLocation): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw toObjectStoreError(error, { described: objectUrl({ bucket, key }), bucket });
    }
  }

  /**
   * DeleteObjects, in quiet mode: S3 answers with the keys it could not remove only. Its answer is
   * 200 even when some failed, so each batch's answer is checked, and the first refusal thrown.
   */
  async deleteMany(bucket: string, keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += maxKeysPerDelete) {
      const batch = keys.slice(at, at + maxKeysPerDelete);
      let answer;
      try {
        answer = await this.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true } }));
      } catch (error) {
        throw toObjectStoreError(error, { described: `${batch.length} objects of bucket "${bucket}"`, bucket });
      }
      const [refused] = answer.Errors ?? [];
      if (refused) throw unremovedObjectError(refused.Code, objectUrl({ bucket, key: refused.Key ?? '' }), answer.Errors?.length ?? 1);
    }
  }

  /** Signed here, without a request: the link works for whoever the store's credentials let read it. */
  async presign({ bucket, key }: ObjectLocation, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  private async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      const translated = toObjectStoreError(error, { described: `bucket "${bucket}"`, bucket });
      if (translated instanceof ObjectNotFoundError) return false;
      throw translated;
    }
  }

  private async openWithRetries(version: ObjectVersion, range: ObjectRange, policy: RetryPolicy): Promise<GetObjectCommandOutput> {
    const { bucket, key, etag, versionId } = version;
    const command = new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      IfMatch: etag,
      VersionId: versionId,
      Range: range === 'whole' ? undefined : `bytes=${range.start}-${range.end - 1}`,
    });
    const subject = { described: describe(version, range), bucket, etag };
    return retry(
      async () => {
        try {
          return await this.s3.send(command);
        } catch (error) {
          throw toObjectStoreError(error, subject);
        }
      },
      { ...policy, isRetriable: isMarkedRetriable },
    );
  }
}

function checkRange({ start, end }: { start: number; end: number }): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`[${start}, ${end}) is not a byte range`);
  }
}

function describe({ bucket, key, versionId }: ObjectVersion, range: ObjectRange): string {
  const version = versionId === undefined ? '' : ` (version ${versionId})`;
  const bytes = range === 'whole' ? '' : ` bytes [${range.start}, ${range.end})`;
  return `${objectUrl({ bucket, key })}${version}${bytes}`;
}
