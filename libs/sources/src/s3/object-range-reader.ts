import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { isMarkedRetriable, retry, type RetryPolicy } from '@import-jobs/retry';

/** The object version a piece was planned on: reads of any other version must fail, never mix. */
export interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly versionId?: string;
}

/** Bytes [start, end) of an object, or all of it (a gzip object cannot be read from the middle). */
export type ObjectRange = { readonly start: number; readonly end: number } | 'whole';

export interface ObjectRangeRequest extends ObjectVersion {
  readonly range: ObjectRange;
}

// The SDK already retries each request a few times within ~1 s. These attempts are on top of those,
// spaced wider, because a throttled bucket stays throttled for seconds, and giving up costs the
// caller the whole piece (its transaction is aborted and the piece is read again from the start).
/** How often the first request is tried when the server is busy or away, and how long to wait between. */
export const defaultReadRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };

export type SourceReadErrorCode = 'SOURCE_CHANGED' | 'SOURCE_NOT_FOUND' | 'SOURCE_UNREADABLE' | 'SOURCE_UNAVAILABLE';

/**
 * Why an object could not be read. `retriable` tells whether reading again may succeed: a changed,
 * missing or forbidden object stays so, a busy or unreachable server may not.
 */
export abstract class SourceReadError extends Error {
  abstract readonly code: SourceReadErrorCode;
  abstract readonly retriable: boolean;
}

/** The object no longer has the ETag (or version) it was planned on: it was overwritten. */
export class SourceChangedError extends SourceReadError {
  override readonly name = 'SourceChangedError';
  readonly code = 'SOURCE_CHANGED';
  readonly retriable = false;
}

/** The object, its version or its bucket does not exist (any more). */
export class SourceNotFoundError extends SourceReadError {
  override readonly name = 'SourceNotFoundError';
  readonly code = 'SOURCE_NOT_FOUND';
  readonly retriable = false;
}

/** The server refuses the read for good: access denied, or the object does not hold the planned range. */
export class SourceUnreadableError extends SourceReadError {
  override readonly name = 'SourceUnreadableError';
  readonly code = 'SOURCE_UNREADABLE';
  readonly retriable = false;
}

/** The server is busy, failing or unreachable, or the transfer broke: reading again may work. */
export class SourceUnavailableError extends SourceReadError {
  override readonly name = 'SourceUnavailableError';
  readonly code = 'SOURCE_UNAVAILABLE';
  readonly retriable = true;
}

/**
 * Streams a byte range of the object version the caller names, chunk by chunk as the server sends
 * it: nothing of the object is held beyond the chunk in hand. The request is made on the first
 * `next()`, and stopping the iteration early closes the connection.
 *
 * The version is pinned with `If-Match` on the ETag, and with the version id where there is one.
 * Only the first request is retried: once bytes have been handed out, a broken transfer surfaces as
 * a retriable SourceUnavailableError and the caller starts its piece again, since resuming would
 * need a second request that the caller's parser could not tell from the first.
 */
export async function* readObjectRange(
  s3: Pick<S3Client, 'send'>,
  request: ObjectRangeRequest,
  retryPolicy: RetryPolicy = defaultReadRetryPolicy,
): AsyncGenerator<Uint8Array> {
  const { range } = request;
  if (range !== 'whole') checkRange(range);
  if (range !== 'whole' && range.start === range.end) return;

  const response = await openWithRetries(s3, request, retryPolicy);
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  const described = describe(request);
  if (!body) throw new SourceUnavailableError(`${described}: the server sent no body`);
  const expectedBytes = range === 'whole' ? response.ContentLength : range.end - range.start;
  const chunks = body[Symbol.asyncIterator]();
  let received = 0;
  try {
    if (range !== 'whole' && response.ContentLength !== expectedBytes) {
      // The ETag matched, so this is the planned object: either the plan ran past its end, or the
      // server ignored the Range header. Neither changes on a second read.
      throw new SourceUnreadableError(`${described}: expected ${expectedBytes} bytes, the server sends ${String(response.ContentLength)}`);
    }
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw new SourceUnavailableError(`${described}: the transfer broke after ${received} bytes: ${messageOf(error)}`, { cause: error });
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
    throw new SourceUnavailableError(`${described}: the transfer ended after ${received} of ${expectedBytes} bytes`);
  }
}

function checkRange({ start, end }: { start: number; end: number }): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`[${start}, ${end}) is not a byte range`);
  }
}

async function openWithRetries(s3: Pick<S3Client, 'send'>, request: ObjectRangeRequest, policy: RetryPolicy): Promise<GetObjectCommandOutput> {
  const { bucket, key, etag, versionId, range } = request;
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    IfMatch: etag,
    VersionId: versionId,
    Range: range === 'whole' ? undefined : `bytes=${range.start}-${range.end - 1}`,
  });
  return retry(
    async () => {
      try {
        return await s3.send(command);
      } catch (error) {
        throw translateS3Error(error, request);
      }
    },
    { ...policy, isRetriable: isMarkedRetriable },
  );
}

const notFoundCodes = new Set(['NoSuchKey', 'NoSuchBucket', 'NoSuchVersion', 'NotFound']);

function translateS3Error(error: unknown, request: ObjectRangeRequest): SourceReadError {
  const described = describe(request);
  const status = httpStatusOf(error);
  const name = error instanceof Error ? error.name : '';
  const detail = `${described}: ${messageOf(error)}`;
  if (status === 412 || name === 'PreconditionFailed') {
    return new SourceChangedError(`${described} changed since it was planned (ETag ${request.etag} no longer matches)`, { cause: error });
  }
  if (status === 404 || notFoundCodes.has(name)) return new SourceNotFoundError(`${described} does not exist`, { cause: error });
  // Without a status the request never got an answer: refused, reset or timed out on the way.
  if (status === undefined || status === 429 || status >= 500) return new SourceUnavailableError(detail, { cause: error });
  return new SourceUnreadableError(detail, { cause: error });
}

function httpStatusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

function describe({ bucket, key, versionId, range }: ObjectRangeRequest): string {
  const version = versionId === undefined ? '' : ` (version ${versionId})`;
  const bytes = range === 'whole' ? '' : ` bytes [${range.start}, ${range.end})`;
  return `s3://${bucket}/${key}${version}${bytes}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
