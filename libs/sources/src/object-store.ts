import type { RetryPolicy } from '@import-jobs/retry';

/**
 * The object store port: everything the service does with S3, said without S3. Adapters translate
 * every fault into an ObjectStoreError below, so that callers branch on a code, never on a driver's
 * exception, and no adapter's credentials reach a message.
 */
export interface ObjectStore {
  /**
   * One page of the objects whose key starts with `prefix` (a plain string match, so every
   * "sub-folder" too), in key order. Pass the page's `nextPage` back to get the next one.
   */
  list(bucket: string, prefix: string, options?: ListOptions): Promise<ObjectListPage>;
  /** The version stored now, with its ETag and size. */
  head(location: ObjectLocation): Promise<StoredObject>;
  /**
   * Streams bytes of exactly the version named, chunk by chunk as they arrive: reading any other
   * version fails with ObjectChangedError, never mixes. The request is made on the first `next()`;
   * stopping the iteration early releases it. An empty range is read without asking the store.
   */
  read(version: ObjectVersion, range: ObjectRange, options?: ReadOptions): AsyncIterable<Uint8Array>;
  /**
   * Stores the body as the object's new version, streamed: the store holds a few parts of it at a
   * time, whatever its length. A body that fails, or runs past `maxBytes`, fails the write with
   * the body's own error (ObjectTooLargeError past `maxBytes`), and nothing of it is kept.
   */
  write(location: ObjectLocation, body: AsyncIterable<Uint8Array>, options?: WriteOptions): Promise<StoredObject>;
  /** Removes the object; removing one that does not exist succeeds. */
  delete(location: ObjectLocation): Promise<void>;
  /**
   * Removes these objects of one bucket in as few requests as the store takes (S3: 1,000 keys a
   * request); a key that does not exist is removed already. Fails when any key could not be
   * removed; the others may be gone by then, and removing them again succeeds.
   */
  deleteMany(bucket: string, keys: readonly string[]): Promise<void>;
  /** A URL anyone holding it can GET the object with, until `expiresInSeconds` have passed. */
  presign(location: ObjectLocation, expiresInSeconds: number): Promise<string>;
}

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** One version of an object: what a read must insist on, so that a changed object is never mixed in. */
export interface ObjectVersion extends ObjectLocation {
  /** As the store sends it (S3's has its quotes): the value a read compares. */
  readonly etag: string;
  /** Only in a store that keeps versions; a read then reaches this version even once overwritten. */
  readonly versionId?: string;
}

export interface StoredObject extends ObjectVersion {
  readonly size: number;
}

/** Bytes [start, end) of an object, or all of it (a gzip object cannot be read from the middle). */
export type ObjectRange = { readonly start: number; readonly end: number } | 'whole';

export interface ObjectListPage {
  /** Listings give no version id: `head` an object for it. */
  readonly objects: readonly StoredObject[];
  /** Absent on the last page. */
  readonly nextPage?: string;
}

export interface ListOptions {
  /** Objects per page at most; the store's own maximum (S3's is 1,000) unless a test wants many pages. */
  readonly pageSize?: number;
  /** The `nextPage` of the page before. */
  readonly page?: string;
}

export interface ReadOptions {
  /** Attempts at the first request while the store is busy or away, on top of any the driver makes. */
  readonly retry?: RetryPolicy;
}

export interface WriteOptions {
  readonly contentType?: string;
  /** A longer body fails the write with ObjectTooLargeError, and nothing is stored. */
  readonly maxBytes?: number;
}

// ── Errors ────────────────────────────────────────────────────────────────────────────────────

export type ObjectStoreErrorCode = 'NOT_FOUND' | 'CHANGED' | 'ACCESS_DENIED' | 'TOO_LARGE' | 'REFUSED' | 'UNAVAILABLE';

/**
 * Why the store did not do what was asked. `retriable` tells whether asking again may succeed: a
 * missing, changed, forbidden or refused object stays so; a busy or unreachable store may not.
 */
export abstract class ObjectStoreError extends Error {
  abstract readonly code: ObjectStoreErrorCode;
  abstract readonly retriable: boolean;
}

/** The object, its version or its bucket does not exist (any more). */
export class ObjectNotFoundError extends ObjectStoreError {
  override readonly name = 'ObjectNotFoundError';
  readonly code = 'NOT_FOUND';
  readonly retriable = false;

  constructor(
    message: string,
    /** What is missing: a message can then name the bucket rather than the object in it. */
    readonly missing: 'bucket' | 'object',
  ) {
    super(message);
  }
}

/** The object no longer is the version a read names (by ETag or version id): it was overwritten. */
export class ObjectChangedError extends ObjectStoreError {
  override readonly name = 'ObjectChangedError';
  readonly code = 'CHANGED';
  readonly retriable = false;
}

/** The store's credentials may not do this with the object or its bucket. */
export class ObjectAccessDeniedError extends ObjectStoreError {
  override readonly name = 'ObjectAccessDeniedError';
  readonly code = 'ACCESS_DENIED';
  readonly retriable = false;
}

/** A body ran past the `maxBytes` of its write. */
export class ObjectTooLargeError extends ObjectStoreError {
  override readonly name = 'ObjectTooLargeError';
  readonly code = 'TOO_LARGE';
  readonly retriable = false;

  constructor(readonly maxBytes: number) {
    super(`the object is larger than ${maxBytes} bytes`);
  }
}

/** The store refuses for good for another reason, or the object does not hold the range read. */
export class ObjectRefusedError extends ObjectStoreError {
  override readonly name = 'ObjectRefusedError';
  readonly code = 'REFUSED';
  readonly retriable = false;
}

/** The store is busy, failing or unreachable, or a transfer broke: asking again may work. */
export class ObjectStoreUnavailableError extends ObjectStoreError {
  override readonly name = 'ObjectStoreUnavailableError';
  readonly code = 'UNAVAILABLE';
  readonly retriable = true;
}

/** The `s3://` URL the service names an object by in events and reports. */
export function objectUrl({ bucket, key }: ObjectLocation): string {
  return `s3://${bucket}/${key}`;
}
