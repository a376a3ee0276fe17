import { importJobStreamId, type PieceSpec } from '@import-jobs/domain';
import { csvFile, plainRow } from './support/csv-fixture';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { startSecondWorker, type SecondWorker } from './support/second-worker';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// Rows of about 500 bytes cut at 1 KiB: two rows a piece, so a file of 3 MB makes more pieces than
// one event could once hold as a whole plan (about 2,800).
const pieceSizeBytes = 1024;
const rows = 6_100;
const minimumPieces = 3_000;
// The bound for every stored event and every Kafka message, whatever the job.
const largestEventBytes = 256 * 1024;
const pieceSettledType = /^Piece(Completed|Failed|Cancelled)\.v1$/;
const terminalType = /^(ImportCompleted|JobFailed|ImportCancelled)\.v1$/;

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
    const job = await api.waitUntilFinished(jobId, 420_000);
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
  }, 480_000);

  itChecksEveryJobOfTheFile(suite);
});
