import { importJobStreamId, type PieceSpec } from '@import-jobs/domain';
import { csvFile, plainRow } from './support/csv-fixture';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { startSecondWorker, type SecondWorker } from './support/second-worker';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';
import { deliveredRecords, expectedRecords, plannedPieces, sortedByOrigin } from './support/delivered-records';

// Rows of about 500 bytes cut at 1 KiB: two rows a piece, so a file of 10 MB makes over 10,000
// pieces, the scale the issue names, and more than three times what one event could once hold as a
// whole plan (about 2,800).
const pieceSizeBytes = 1024;
const rows = 20_100;
const minimumPieces = 10_000;
// About 0.035 s a piece with two workers on an idle 2-core machine; room for a loaded one.
const jobDeadlineMs = 1_500_000;
// The bound for every stored event and every Kafka message, whatever the job.
const largestEventBytes = 256 * 1024;
const pieceSettledType = /^Piece(Completed|Failed|Cancelled)\.v1$/;
const terminalType = /^(ImportCompleted|JobFailed|ImportCancelled)\.v1$/;
// A lake of small files: each file a piece of its own, listed page by page (1,000 keys a page).
const lakeFiles = 2_000;
const lakeDeadlineMs = 900_000;

describe('the import pipeline, with a job of more pieces than one event can list', () => {
  // A worker takes one piece at a time, most of it waiting on Kafka and the store: a second one
  // halves the wait for the thousands of pieces.
  let worker: SecondWorker | undefined;
  const suite = usePipelineSuite({ pieceSizeBytes, closeBeforeApp: () => worker?.app.close() });

  it('plans the job in bounded chunks and completes it, settling every piece once and ending once', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const header = ['id', 'note'];
    const file = csvFile(header, Array.from({ length: rows }, (_, index) => plainRow(header, [`row-${index + 1}`, 'n'.repeat(480)], 'id')));
    const url = await sources.put('many/rows.csv', file.body);
    const destinationTopic = await createDestinationTopic(messaging, 'many-pieces');
    worker = await startSecondWorker(pipeline);

    const started = Date.now();
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, jobDeadlineMs);
    const seconds = (Date.now() - started) / 1000;

    const stored = await pipeline.store.readStream(importJobStreamId(jobId));
    const planned = stored.filter((event) => event.type === 'PiecesPlanned.v1').flatMap((event) => (event.data as unknown as { pieces: PieceSpec[] }).pieces);
    const settled = stored.filter((event) => pieceSettledType.test(event.type)).map((event) => String(event.data.pieceId));
    const eventBytes = stored.map((event) => Buffer.byteLength(JSON.stringify(event.data)));
    const largest = Math.max(...eventBytes);
    // The figures the README quotes for this job.
    console.info('many-pieces job', { pieces: planned.length, seconds, largestEventBytes: largest, events: stored.length });

    expect(job).toMatchObject({ status: 'Completed', rows: { processed: rows, failed: 0, imported: rows } });
    expect(planned.length).toBeGreaterThan(minimumPieces);
    expect(job.pieces).toEqual({ total: planned.length, completed: planned.length, failed: 0, cancelled: 0 });
    expect([...settled].sort()).toEqual(planned.map((piece) => piece.pieceId).sort());
    expect(stored.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCompleted.v1']);
    expect(largest).toBeLessThanOrEqual(largestEventBytes);

    const delivered = await readCommittedUntilNow(messaging, destinationTopic);
    expect(delivered).toHaveLength(rows);
    expect(new Set(delivered.map((message) => message.key)).size).toBe(rows);
  }, jobDeadlineMs + 120_000);

  it('imports every file of a prefix of 2,000 small files once, each file a piece', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const header = ['id', 'note'];
    const files = Array.from({ length: lakeFiles }, (_, index) => {
      const key = `lake/part-${String(index).padStart(5, '0')}.csv`;
      return { key, file: csvFile(header, [0, 1, 2].map((row) => plainRow(header, [`file-${index}-row-${row}`, `note ${row}`], 'id'))) };
    });
    for (let next = 0; next < files.length; next += 50) {
      await Promise.all(files.slice(next, next + 50).map(({ key, file }) => sources.put(key, file.body)));
    }
    const destinationTopic = await createDestinationTopic(messaging, 'lake');
    worker ??= await startSecondWorker(pipeline);

    const jobId = await api.startImport({ sources: [{ url: sources.url('lake/'), type: 'prefix' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, lakeDeadlineMs);
    const pieces = await plannedPieces(pipeline.store, jobId);
    const stored = await pipeline.store.readStream(importJobStreamId(jobId));

    const rowsInFiles = files.length * 3;
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: rowsInFiles, failed: 0, imported: rowsInFiles } });
    expect(new Set(pieces.map((piece) => piece.object.key))).toEqual(new Set(files.map(({ key }) => key)));
    expect(pieces).toHaveLength(files.length);
    expect(job.pieces).toEqual({ total: files.length, completed: files.length, failed: 0, cancelled: 0 });
    expect(stored.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCompleted.v1']);
    const delivered = deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic));
    expect(delivered).toEqual(sortedByOrigin(files.flatMap(({ key, file }) => expectedRecords(jobId, sources.url(key), file.valid))));
  }, lakeDeadlineMs + 120_000);

  itChecksEveryJobOfTheFile(suite);
});
