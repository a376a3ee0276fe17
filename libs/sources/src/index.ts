export { createS3Client, type S3ConnectionConfig } from './s3/s3-client';
