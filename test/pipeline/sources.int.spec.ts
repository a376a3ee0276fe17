import { gzipSync } from 'node:zlib';
import type { PieceSpec } from '@import-jobs/domain';
import type { FixtureFile } from './support/csv-fixture';
import { cityFile } from './support/fixture-files';
import { deliveredRecords, expectedRecords, plannedPieces, sortedByOrigin, type DeliveredRecord } from './support/delivered-records';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { randomSuffix } from './support/random-suffix';
import { recordObjectReads, startSecondWorker, type ObjectRead, type SecondWorker } from './support/second-worker';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// Small pieces, so that files of a few kilobytes are cut into many.
const pieceSizeBytes = 2048;

describe('the import pipeline, from S3 prefixes, NDJSON, gzip and sources that are not there', () => {
  let secondWorker: SecondWorker | undefined;
  const suite = usePipelineSuite({ pieceSizeBytes, closeBeforeApp: () => secondWorker?.app.close() });

  it('imports NDJSON, plain and gzip, with lines that are not records as row failures', async () => {
    const { api, messaging, sources, jobIds } = suite;
    const plain = ndjsonFile('o', 80, { 10: 'not json {', 20: '[1,2,3]', 30: '{"sku":"","price":1}' });
    const gzipped = ndjsonFile('g', 50, { 7: '{"sku":' });
    const plainUrl = await sources.put('orders/orders.ndjson', plain.body);
    const gzipUrl = await sources.put('orders/more.jsonl.gz', gzipSync(gzipped.body));
    const destinationTopic = await createDestinationTopic(messaging, 'orders');

    const jobId = await api.startImport({
      sources: [
        { url: plainUrl, type: 'object' },
        { url: gzipUrl, type: 'object' },
      ],
      format: 'JSON',
      destinationTopic,
      keyField: 'sku',
    });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    const delivered = deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic));

    const rows = plain.records.length + plain.badLines.length + gzipped.records.length + gzipped.badLines.length;
    const failed = plain.badLines.length + gzipped.badLines.length;
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: rows, failed, imported: rows - failed } });
    expect(job.pieces.total).toBeGreaterThan(2);
    expect(sortedFailures(job.failures.map(({ file, line }) => ({ file, line })))).toEqual(
      sortedFailures([...plain.badLines.map((line) => ({ file: plainUrl, line })), ...gzipped.badLines.map((line) => ({ file: gzipUrl, line }))]),
    );
    expect(delivered).toEqual(
      sortedByOrigin([
        ...plain.records.map(({ line, record }) => ({ key: record.sku, jobId, source: plainUrl, line, record })),
        ...gzipped.records.map(({ line, record }) => ({ key: record.sku, jobId, source: gzipUrl, line, record })),
      ]),
    );
  });

  it('fails a job whose bucket, object or prefix is not there, with a reason that names it', async () => {
    const { api, messaging, sources, jobIds } = suite;
    await sources.put('only-text/readme.txt', 'id,city\n1,Nowhere\n');
    const [missingBucket, missingKey] = [`pipeline-missing-${randomSuffix()}`, sources.url(`missing/${randomSuffix()}.csv`)];
    // The bucket alone for a missing bucket; the whole URL, key included, for a missing object.
    const cases = [
      { url: `s3://${missingBucket}/cities.csv`, type: 'object', code: 'SOURCE_NOT_FOUND', named: `"${missingBucket}"` },
      { url: missingKey, type: 'object', code: 'SOURCE_NOT_FOUND', named: missingKey },
      { url: sources.url('only-text/'), type: 'prefix', code: 'NO_MATCHING_FILES', named: sources.url('only-text/') },
    ] as const;
    const destinationTopic = await createDestinationTopic(messaging, 'nothing');

    const started = await Promise.all(
      cases.map(({ url, type }) => api.startImport({ sources: [{ url, type }], format: 'CSV', destinationTopic, keyField: 'id' })),
    );
    jobIds.push(...started);
    const jobs = await Promise.all(started.map((jobId) => api.waitUntilFinished(jobId)));

    expect(jobs.map((job) => ({ status: job.status, JobStatus: job.JobStatus, code: job.failureReason?.code }))).toEqual(
      cases.map(({ code }) => ({ status: 'Failed', JobStatus: 'FAILED', code })),
    );
    jobs.forEach((job, index) => {
      const { url, named } = cases[index]!;
      expect({ url, message: job.failureReason?.message }).toEqual({ url, message: expect.stringContaining(named) });
    });
  });

  it('imports every CSV file under a prefix, sub-folders and gzip included and other formats left out, with pieces shared by two workers', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const csvFiles = new Map<string, FixtureFile>([
      ['batch/a.csv', cityFile('a', 200)],
      ['batch/b.csv', cityFile('b', 200)],
      ['batch/sub/c.csv', cityFile('c', 200)],
      ['batch/nested/deeper/x.csv', cityFile('x', 200)],
      ['batch/sub/d.csv.gz', cityFile('d', 200)],
    ]);
    for (const [key, file] of csvFiles) await sources.put(key, key.endsWith('.gz') ? gzipSync(file.body) : file.body);
    // Files the job must not read: other formats under the prefix, a folder marker, a CSV outside it.
    await sources.put('batch/orders.json', '{"id":"json-1","city":"Nowhere","amount":"1"}\n');
    await sources.put('batch/nested/orders.ndjson', '{"id":"ndjson-1","city":"Nowhere","amount":"1"}\n');
    await sources.put('batch/sub/notes.txt', cityFile('txt', 20).body);
    await sources.put('batch/nested/', '');
    await sources.put('elsewhere/outside.csv', cityFile('outside', 20).body);
    const destinationTopic = await createDestinationTopic(messaging, 'cities');

    // The tests above ran on the all-in-one app's worker alone, so it is a settled member of the
    // group when the import-worker app joins it: the group then spreads the pieces over both.
    secondWorker = await startSecondWorker(pipeline);
    const readsOf = { allInOne: recordObjectReads(pipeline.s3, sources.name), worker: recordObjectReads(secondWorker.s3, sources.name) };
    const jobId = await api.startImport({ sources: [{ url: sources.url('batch/'), type: 'prefix' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    const pieces = await plannedPieces(pipeline.store, jobId);
    const delivered = deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic));

    const validRows = [...csvFiles.values()].reduce((sum, file) => sum + file.rows.length, 0);
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: validRows, failed: 0, imported: validRows } });
    expect(job.pieces).toEqual({ total: pieces.length, completed: pieces.length, failed: 0, cancelled: 0 });
    // A gzip file's pieces are staged objects, each naming the file as its origin.
    const fileOf = (piece: (typeof pieces)[number]) => (piece.origin ?? piece.object).key;
    expect(new Set(pieces.map(fileOf))).toEqual(new Set(csvFiles.keys()));
    // Several pieces per file, the gzip file too: it is decompressed into plain pieces while planned.
    const piecesPerFile = [...csvFiles.keys()].map((key) => ({ key, pieces: pieces.filter((piece) => fileOf(piece) === key).length }));
    expect(piecesPerFile.filter(({ pieces: count }) => count < 2)).toEqual([]);
    expect(pieces.filter((piece) => piece.origin !== undefined).every((piece) => piece.compression === 'none' && piece.object.key.includes('/staging/'))).toBe(true);
    const expected: DeliveredRecord[] = [...csvFiles].flatMap(([key, file]) => expectedRecords(jobId, sources.url(key), file.valid));
    expect(delivered).toEqual(sortedByOrigin(expected));

    // Which process read which piece's bytes from the sources bucket (staged pieces are read from the
    // service's own): each member of the group took pieces, and between them every piece.
    const sourcePieces = pieces.filter((piece) => piece.origin === undefined);
    const byAllInOne = piecesRead(readsOf.allInOne, sourcePieces);
    const byWorker = piecesRead(readsOf.worker, sourcePieces);
    expect({ allInOne: byAllInOne.size > 0, worker: byWorker.size > 0 }).toEqual({ allInOne: true, worker: true });
    expect(new Set([...byAllInOne, ...byWorker])).toEqual(new Set(sourcePieces.map((piece) => piece.pieceId)));
  });

  itChecksEveryJobOfTheFile(suite);
});

/** The pieces whose bytes a process read: a ranged GetObject of its range. */
function piecesRead(reads: readonly ObjectRead[], pieces: readonly PieceSpec[]): Set<string> {
  const readsPiece = (piece: PieceSpec) => (read: ObjectRead) => read.key === piece.object.key && read.range === `bytes=${piece.range.start}-${piece.range.end - 1}`;
  return new Set(pieces.filter((piece) => reads.some(readsPiece(piece))).map((piece) => piece.pieceId));
}

interface NdjsonFile {
  readonly body: string;
  readonly records: ReadonlyArray<{ readonly line: number; readonly record: { readonly sku: string } & Record<string, unknown> }>;
  readonly badLines: readonly number[];
}

/** Orders, one JSON object a line, with the given lines replaced by ones that are no valid record. */
function ndjsonFile(tag: string, count: number, bad: Readonly<Record<number, string>>): NdjsonFile {
  const lines = Array.from({ length: count }, (_, index) => {
    const line = index + 1;
    const record = { sku: `${tag}-${line}`, price: line * 1.5, tags: ['x', tag], nested: { ok: line % 2 === 0 } };
    return { line, text: bad[line] ?? JSON.stringify(record), record: bad[line] === undefined ? record : undefined };
  });
  return {
    body: `${lines.map(({ text }) => text).join('\n')}\n`,
    records: lines.flatMap(({ line, record }) => (record ? [{ line, record }] : [])),
    badLines: lines.filter(({ record }) => record === undefined).map(({ line }) => line),
  };
}

function sortedFailures(failures: ReadonlyArray<{ file: string; line: number }>): Array<{ file: string; line: number }> {
  return [...failures].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
