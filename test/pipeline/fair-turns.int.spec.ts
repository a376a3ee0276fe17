import { createHash } from 'node:crypto';
import { importJobStreamId } from '@import-jobs/domain';
import { comparePositions, type RecordedEvent } from '@import-jobs/event-store';
import { csvFile, plainRow } from './support/csv-fixture';
import { eventually } from './support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

const keyOf = { acme: 'acme-fair-turns-key', globex: 'globex-fair-turns-key' };
const apiKeys = Object.entries(keyOf)
  .map(([tenant, key]) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`)
  .join(',');
// Rows of about 500 bytes cut at 1 KiB: two rows a piece.
const pieceSizeBytes = 1024;
const largeRows = 600;
const pieceSettledType = /^Piece(Completed|Failed|Cancelled)\.v1$/;
const terminalType = /^(ImportCompleted|JobFailed|ImportCancelled)\.v1$/;

describe("fair turns: a job waits behind a few of another job's pieces, not behind its whole backlog", () => {
  const suite = usePipelineSuite({ pieceSizeBytes, apiKeys });
  const acme = () => suite.api.as(`Bearer ${keyOf.acme}`);
  const globex = () => suite.api.as(`Bearer ${keyOf.globex}`);

  it("completes a one-piece job of another tenant while most of a large job's pieces are still pending, then the large job, each piece settled once", async () => {
    const { pipeline, messaging, sources, jobIds } = suite;
    const header = ['id', 'note'];
    const rowsOf = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => plainRow(header, [`${prefix}-${index + 1}`, 'n'.repeat(480)], 'id'));
    const largeUrl = await sources.put('fair/large.csv', csvFile(header, rowsOf('large', largeRows)).body);
    const smallUrl = await sources.put('fair/small.csv', csvFile(header, rowsOf('small', 1)).body);
    const largeTopic = await createDestinationTopic(messaging, 'fair-large');
    const smallTopic = await createDestinationTopic(messaging, 'fair-small');

    const largeRequested = Date.now();
    const large = await acme().startImport({ sources: [{ url: largeUrl, type: 'object' }], format: 'CSV', destinationTopic: largeTopic, keyField: 'id' });
    jobIds.push(large);
    const stored = (jobId: string) => pipeline.store.readStream(importJobStreamId(jobId));
    // The large job is under way: planned, and its first pieces settling.
    await eventually('the large job to settle its first piece', async () => ((await stored(large)).some((event) => pieceSettledType.test(event.type)) ? true : undefined), {
      timeoutMs: 60_000,
    });

    const requested = Date.now();
    const small = await globex().startImport({ sources: [{ url: smallUrl, type: 'object' }], format: 'CSV', destinationTopic: smallTopic, keyField: 'id' });
    jobIds.push(small);
    expect(await globex().waitUntilFinished(small)).toMatchObject({ status: 'Completed', rows: { imported: 1 } });
    const smallSeconds = (Date.now() - requested) / 1000;

    // Counted in the store's own order, not by when this test looked: the large job's pieces
    // settled before the small job ended.
    const smallEnd = (await stored(small)).find((event) => terminalType.test(event.type))!;
    const largePieces = await piecesPlanned(large);
    const settledBefore = (await stored(large)).filter((event) => pieceSettledType.test(event.type) && comparePositions(event.position, smallEnd.position) < 0).length;
    expect(await acme().waitUntilFinished(large, 300_000)).toMatchObject({ status: 'Completed', rows: { processed: largeRows, failed: 0, imported: largeRows } });
    // The figures the README quotes for these jobs.
    console.info('fair turns', { largePieces, settledBeforeSmallEnded: settledBefore, smallSeconds, largeSeconds: (Date.now() - largeRequested) / 1000 });
    expect(largePieces).toBeGreaterThan(250);
    expect(settledBefore).toBeLessThan(largePieces / 2);
    const largeEvents = await stored(large);
    const settled = largeEvents.filter((event) => pieceSettledType.test(event.type)).map((event) => String(event.data.pieceId));
    expect(settled).toHaveLength(largePieces);
    expect(new Set(settled).size).toBe(largePieces);
    expect(largeEvents.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCompleted.v1']);
    const delivered = await readCommittedUntilNow(messaging, largeTopic);
    expect(new Set(delivered.map((message) => message.key)).size).toBe(largeRows);
    expect(delivered).toHaveLength(largeRows);
  }, 420_000);

  it("ends a cancelled job of hundreds of pieces at once: the pieces never sent are cancelled without a worker, each piece settled once", async () => {
    const { pipeline, messaging, sources, jobIds } = suite;
    const header = ['id', 'note'];
    const rows = Array.from({ length: largeRows }, (_, index) => plainRow(header, [`cancelled-${index + 1}`, 'n'.repeat(480)], 'id'));
    const url = await sources.put('fair/cancelled.csv', csvFile(header, rows).body);
    const destinationTopic = await createDestinationTopic(messaging, 'fair-cancelled');
    const jobId = await acme().startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const stored = () => pipeline.store.readStream(importJobStreamId(jobId));
    await eventually('the job to settle its first piece', async () => ((await stored()).some((event) => pieceSettledType.test(event.type)) ? true : undefined), { timeoutMs: 60_000 });

    expect((await acme().cancel(jobId)).status).toBe(204);
    const job = await acme().waitUntilFinished(jobId, 120_000);

    const pieces = await piecesPlanned(jobId);
    const events = await stored();
    const settled = events.filter((event) => pieceSettledType.test(event.type)).map((event) => String(event.data.pieceId));
    expect(job.status).toBe('Cancelled');
    expect(job.pieces.total).toBe(pieces);
    expect(job.pieces.completed + job.pieces.failed + job.pieces.cancelled).toBe(pieces);
    expect(job.pieces.cancelled).toBeGreaterThan(pieces / 2);
    expect(new Set(settled).size).toBe(pieces);
    expect(settled).toHaveLength(pieces);
    expect(events.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCancelled.v1']);
  }, 240_000);

  itChecksEveryJobOfTheFile(suite);

  async function piecesPlanned(jobId: string): Promise<number> {
    const events: RecordedEvent[] = await suite.pipeline.store.readStream(importJobStreamId(jobId));
    return events.filter((event) => event.type === 'PiecesPlanned.v1').reduce((pieces, event) => pieces + (event.data.pieces as unknown[]).length, 0);
  }
});
