import { S3Client } from '@aws-sdk/client-s3';

export interface S3ConnectionConfig {
  /** An S3-compatible server (S3Mock, MinIO, ...). Absent: Amazon S3 itself, found from the region. */
  endpoint?: string;
  region: string;
  /** Absent: the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * An S3 client for Amazon S3 or an S3-compatible server. With an endpoint, buckets are addressed in
 * the path (such servers seldom resolve bucket subdomains), and checksums are computed and checked
 * only where S3 requires them: since 3.729 the SDK adds CRC32 checksums by default, which many
 * S3-compatible servers reject.
 */
export function createS3Client({ endpoint, region, credentials }: S3ConnectionConfig): S3Client {
  if (endpoint === undefined) return new S3Client({ region, credentials });
  return new S3Client({
    region,
    credentials,
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
