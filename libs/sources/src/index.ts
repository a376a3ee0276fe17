export {
  ObjectAccessDeniedError,
  ObjectChangedError,
  ObjectNotFoundError,
  ObjectRefusedError,
  ObjectStoreError,
  ObjectStoreUnavailableError,
  ObjectTooLargeError,
  objectUrl,
  type ListOptions,
  type ObjectListPage,
  type ObjectLocation,
  type ObjectRange,
  type ObjectStore,
  type ObjectStoreErrorCode,
  type ObjectVersion,
  type ReadOptions,
  type StoredObject,
  type WriteOptions,
} from './object-store';
export { listSourceObjects, sourceFileExtensions, type ListSourceObjectsOptions, type SourceObject } from './list-source-objects';
export { createS3Client, type S3ConnectionConfig } from './s3/s3-client';
export { defaultReadRetryPolicy, S3ObjectStore, type S3ObjectStoreOptions } from './s3/s3-object-store';
