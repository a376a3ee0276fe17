import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Url, type ImportFormat, type ImportSource } from '@import-jobs/domain';
import { SourceNotFoundError, SourceReadError, SourceUnavailableError, SourceUnreadableError } from './object-range-reader';

/** One object an import reads: the exact version listed, so that every later read can insist on it. */
export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  /** As S3 sends it, quotes included: the value `If-Match` expects. */
  readonly etag: string;
  readonly versionId?: string;
  readonly size: number;
  readonly compression: 'none' | 'gzip';
}

export interface ListSourceObjectsOptions {
  readonly format: ImportFormat;
  /** Keys per ListObjectsV2 page; S3's own maximum (1000) unless a test wants many pages. */
  readonly pageSize?: number;
}

/** The extensions a prefix source keeps for each format, compared case-insensitively, each also with `.gz`. */
export const sourceFileExtensions: Readonly<Record<ImportFormat, readonly string[]>> = {
  CSV: ['.csv'],
  JSON: ['.json', '.ndjson', '.jsonl'],
};

const gzipExtension = '.gz';

// ── Errors ────────────────────────────────────────────────────────────────────────────────────

const notFoundNames = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

/**
 * What a failed ListObjectsV2, HeadObject or HeadBucket for the source at `url` means, in the same
 * errors a read raises. The SDK has already retried busy answers with its own bounded backoff
 * before an error reaches here. A programmer error comes back unchanged, so that nothing ever
 * mistakes it for a fault a retry could cure.
 */
export function toSourceReadError(error: unknown, url: string): unknown {
  if (error instanceof SourceReadError) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    const answer = `${error.name}${status === undefined ? '' : ` (${status})`}`;
    if (error.name === 'NoSuchBucket') return new SourceNotFoundError(missingBucket(url), { cause: error });
    if (status === 404 || notFoundNames.has(error.name)) return new SourceNotFoundError(`${url} does not exist`, { cause: error });
    if (status === 429 || (status !== undefined && status >= 500) || error.$retryable !== undefined) {
      return new SourceUnavailableError(`S3 answered ${answer} for ${url}`, { cause: error });
    }
    return new SourceUnreadableError(`S3 refused ${url}: ${answer}`, { cause: error });
  }
  if (isNetworkFault(error)) return new SourceUnavailableError(`S3 could not be reached for ${url}: ${error.message}`, { cause: error });
  return error;
}

function isNetworkFault(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  // Node's socket errors carry an errno-style code (ECONNRESET, ETIMEDOUT, EPIPE, ...); the SDK's
  // request timeout is a TimeoutError.
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || error.name === 'TimeoutError';
}

function missingBucket(url: string): string {
  return `bucket "${parseS3Url(url)?.bucket ?? url}" of ${url} does not exist`;
}

// ── Listing ───────────────────────────────────────────────────────────────────────────────────

/**
 * The objects a source names, each with the ETag and size of the version seen now. An `object`
 * source is that one object, whatever its extension. A `prefix` source is every object whose key
 * starts with the prefix (S3's plain string match, so every sub-folder too), keeping only files of
 * the job's format by extension; "folder" placeholder keys (ending in `/`) are skipped, empty files
 * are kept. A `.gz` extension means gzip. Lazy and paged: a prefix of millions of keys is never held.
 *
 * @throws SourceNotFoundError naming the URL, or the bucket when that is what is missing.
 * @throws SourceUnavailableError (retriable), SourceUnreadableError.
 */
export async function* listSourceObjects(s3: Pick<S3Client, 'send'>, source: ImportSource, options: ListSourceObjectsOptions): AsyncGenerator<SourceObject> {
  const location = parseS3Url(source.url);
  if (!location) throw new SourceUnreadableError(`${source.url} is not an s3://bucket/key URL`);
  if (source.type === 'object') {
    yield await headObject(s3, source.url, location.bucket, location.key);
    return;
  }
  yield* listPrefix(s3, source.url, location.bucket, location.key, options);
}

async function headObject(s3: Pick<S3Client, 'send'>, url: string, bucket: string, key: string): Promise<SourceObject> {
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    const translated = toSourceReadError(error, url);
    // A HEAD answer has no body, so its 404 cannot say whether the bucket or the key is missing.
    if (translated instanceof SourceNotFoundError && !(await bucketExists(s3, url, bucket))) {
      throw new SourceNotFoundError(missingBucket(url), { cause: error });
    }
    throw translated;
  }
  if (head.ETag === undefined || head.ContentLength === undefined) {
    throw new SourceUnreadableError(`S3 gave no ETag or size for ${url}`);
  }
  return {
    bucket,
    key,
    etag: head.ETag,
    ...(head.VersionId !== undefined && { versionId: head.VersionId }),
    size: head.ContentLength,
    compression: compressionOf(key),
  };
}

async function bucketExists(s3: Pick<S3Client, 'send'>, url: string, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const translated = toSourceReadError(error, url);
    if (translated instanceof SourceNotFoundError) return false;
    throw translated;
  }
}

async function* listPrefix(
  s3: Pick<S3Client, 'send'>,
  url: string,
  bucket: string,
  prefix: string,
  { format, pageSize }: ListSourceObjectsOptions,
): AsyncGenerator<SourceObject> {
  let continuationToken: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: continuationToken }));
    } catch (error) {
      throw toSourceReadError(error, url);
    }
    for (const { Key: key, ETag: etag, Size: size } of page.Contents ?? []) {
      if (key === undefined || key.endsWith('/') || !isFileOfFormat(key, format)) continue;
      if (etag === undefined || size === undefined) throw new SourceUnreadableError(`S3 listed s3://${bucket}/${key} without an ETag or size`);
      yield { bucket, key, etag, size, compression: compressionOf(key) };
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
}

function compressionOf(key: string): SourceObject['compression'] {
  return key.toLowerCase().endsWith(gzipExtension) ? 'gzip' : 'none';
}

function isFileOfFormat(key: string, format: ImportFormat): boolean {
  const lowerCase = key.toLowerCase();
  const uncompressed = lowerCase.endsWith(gzipExtension) ? lowerCase.slice(0, -gzipExtension.length) : lowerCase;
  return sourceFileExtensions[format].some((extension) => uncompressed.endsWith(extension));
}
