import {
  ObjectAccessDeniedError,
  ObjectChangedError,
  ObjectNotFoundError,
  ObjectRefusedError,
  ObjectStoreError,
  ObjectStoreUnavailableError,
} from '../object-store';

/** What a failed request was about, for the error's message. */
export interface RequestSubject {
  /** The object's URL, with the version or bytes a read names. */
  readonly described: string;
  readonly bucket: string;
  /** The ETag a read insisted on. */
  readonly etag?: string;
}

const notFoundNames = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);
const deniedNames = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken']);
/** What S3 calls a key it failed to act on for now: asking again may work. */
const busyNames = new Set(['InternalError', 'SlowDown', 'ServiceUnavailable']);

/**
 * What a failed S3 request means, as the port's errors. The SDK has already retried busy answers
 * with its own bounded backoff before an error reaches here. A programmer error comes back
 * unchanged, so that nothing ever mistakes it for a fault a retry could cure.
 *
 * A message names the answer's code and status, never the text S3 sent with it: S3 echoes the
 * access key id in some answers (InvalidAccessKeyId, SignatureDoesNotMatch), and no credential
 * may reach an error. For the same reason the SDK's exception, which holds those fields, is not
 * kept as the cause.
 */
export function toObjectStoreError(error: unknown, { described, bucket, etag }: RequestSubject): unknown {
  if (error instanceof ObjectStoreError) return error;
  const status = httpStatusOf(error);
  if (status === undefined && !isSdkError(error)) {
    return isNetworkFault(error) ? new ObjectStoreUnavailableError(`S3 could not be reached for ${described}: ${faultOf(error)}`) : error;
  }
  const name = (error as Error).name;
  const answer = `${name}${status === undefined ? '' : ` (${status})`}`;
  if (status === 412 || name === 'PreconditionFailed') {
    return new ObjectChangedError(`${described} changed: its ETag is no longer ${etag ?? 'the one read'}`);
  }
  if (name === 'NoSuchBucket') return new ObjectNotFoundError(`bucket "${bucket}" does not exist`, 'bucket');
  if (status === 404 || notFoundNames.has(name)) return new ObjectNotFoundError(`${described} does not exist`, 'object');
  if (status === 403 || deniedNames.has(name)) return new ObjectAccessDeniedError(`S3 denied access to ${described}: ${answer}`);
  // Without a status the request never got an answer: refused, reset or timed out on the way.
  if (status === undefined || status === 429 || status >= 500 || (error as { $retryable?: unknown }).$retryable !== undefined) {
    return new ObjectStoreUnavailableError(`S3 answered ${answer} for ${described}`);
  }
  return new ObjectRefusedError(`S3 refused ${described}: ${answer}`);
}

/**
 * A key DeleteObjects did not remove, by the code S3 gave it (never its message, as above), and
 * how many keys of the request it refused in all.
 */
export function unremovedObjectError(code: string | undefined, described: string, refusedKeys: number): ObjectStoreError {
  const answer = `S3 did not delete ${described}${refusedKeys > 1 ? ` and ${refusedKeys - 1} more` : ''}: ${code ?? 'no code given'}`;
  if (code !== undefined && deniedNames.has(code)) return new ObjectAccessDeniedError(answer);
  if (code !== undefined && busyNames.has(code)) return new ObjectStoreUnavailableError(answer);
  return new ObjectRefusedError(answer);
}

function httpStatusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/** An exception the SDK made from S3's answer (S3ServiceException and its kin all carry `$metadata`). */
function isSdkError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object';
}

export function isNetworkFault(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  // Node's socket errors carry an errno-style code (ECONNRESET, ETIMEDOUT, EPIPE, ...); the SDK's
  // request timeout is a TimeoutError.
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || error.name === 'TimeoutError';
}

/** A network fault in a few words: Node's own messages name at most the host and port. */
export function faultOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as NodeJS.ErrnoException;
  return code === undefined || error.message.includes(code) ? error.message : `${code}: ${error.message}`;
}
