export { createS3Client, type S3ConnectionConfig } from './s3/s3-client';
export { readObjectRange, defaultReadRetryPolicy, SourceReadError, SourceChangedError, SourceNotFoundError, SourceUnreadableError, SourceUnavailableError, type ObjectRange, type ObjectRangeRequest, type ObjectVersion, type SourceReadErrorCode } from './s3/object-range-reader';
export { listSourceObjects, sourceFileExtensions, type ListSourceObjectsOptions, type SourceObject } from './s3/list-source-objects';
