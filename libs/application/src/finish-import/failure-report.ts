import { parseS3Url, type FailureReport, type RowFailure } from '@import-jobs/domain';
import { readNdjsonRows, toFailureReportCsv } from '@import-jobs/formats';
import { objectUrl, type ObjectStore } from '@import-jobs/sources';

/**
 * Writes one CSV of every rejected row of a job, joined from the failure lists its pieces wrote,
 * streamed from store to store so that a job with millions of bad rows needs no more memory than one.
 */
export async function writeFailureReport(
  objectStore: ObjectStore,
  { pieceFailureLists, bucket, key }: { pieceFailureLists: readonly string[]; bucket: string; key: string },
): Promise<FailureReport> {
  let rows = 0;
  async function* everyFailure(): AsyncGenerator<RowFailure> {
    for (const location of pieceFailureLists) {
      for await (const failure of readFailureList(objectStore, location)) {
        rows++;
        yield failure;
      }
    }
  }
  const csv = async function* (): AsyncGenerator<Uint8Array> {
    for await (const text of toFailureReportCsv(everyFailure())) yield Buffer.from(text);
  };
  await objectStore.write({ bucket, key }, csv(), { contentType: 'text/csv; charset=utf-8' });
  return { location: objectUrl({ bucket, key }), rows };
}

async function* readFailureList(objectStore: ObjectStore, location: string): AsyncGenerator<RowFailure> {
  const object = parseS3Url(location);
  if (!object) throw new Error(`A piece's failure list has no S3 location: ${location}`);
  // Its piece has completed, so nothing writes the list any more: the version there now is the one to read.
  const version = await objectStore.head(object);
  for await (const row of readNdjsonRows(objectStore.read(version, 'whole'), { firstLine: 1 })) {
    // The service wrote these lists itself; a line it cannot read again is a bug worth failing on.
    if (!row.ok) throw new Error(`Line ${row.line} of ${location} is unreadable: ${row.reason}`);
    yield row.record as unknown as RowFailure;
  }
}
