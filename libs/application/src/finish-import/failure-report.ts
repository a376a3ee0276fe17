import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { parseS3Url, type FailureReport, type RowFailure } from '@import-jobs/domain';
import { readNdjsonRows, toFailureReportCsv } from '@import-jobs/formats';

/**
 * Writes one CSV of every rejected row of a job, joined from the failure lists its pieces wrote,
 * streamed from S3 to S3 so that a job with millions of bad rows needs no more memory than one.
 */
export async function writeFailureReport(
  s3: S3Client,
  { pieceFailureLists, bucket, key }: { pieceFailureLists: readonly string[]; bucket: string; key: string },
): Promise<FailureReport> {
  let rows = 0;
  async function* everyFailure(): AsyncGenerator<RowFailure> {
    for (const location of pieceFailureLists) {
      for await (const failure of readFailureList(s3, location)) {
        rows++;
        yield failure;
      }
    }
  }
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: Readable.from(toFailureReportCsv(everyFailure())), ContentType: 'text/csv; charset=utf-8' },
  });
  await upload.done();
  return { location: `s3://${bucket}/${key}`, rows };
}

async function* readFailureList(s3: S3Client, location: string): AsyncGenerator<RowFailure> {
  const object = parseS3Url(location);
  if (!object) throw new Error(`A piece's failure list has no S3 location: ${location}`);
  const response = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
  if (!response.Body) return;
  for await (const row of readNdjsonRows(response.Body as AsyncIterable<Uint8Array>, { firstLine: 1 })) {
    // The service wrote these lists itself; a line it cannot read again is a bug worth failing on.
    if (!row.ok) throw new Error(`Line ${row.line} of ${location} is unreadable: ${row.reason}`);
    yield row.record as unknown as RowFailure;
  }
}
