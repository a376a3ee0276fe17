import type { JobProgress } from '@import-jobs/read-model';
import type { InFlightProgress } from '../../libs/application/src/job-progress/in-flight-pieces';
import { openSse, type ServerSentEvent } from '../../libs/application/src/job-progress/testing/sse-client';
import { peopleSchema } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic } from './support/topics';

/** Enough rows for the one piece to take a few seconds of a loaded machine: several reports of its worker. */
const rowCount = 400_000;
/** Every this many rows, one breaks the schema: failed rows are in flight too. */
const failEvery = 1_000;

describe('live progress inside a piece: the rows a piece in hand has read, before it commits them', () => {
  // Larger than the file: the job is one piece, which commits all its rows at once, at its end.
  const suite = usePipelineSuite({ pieceSizeBytes: 64 * 1024 * 1024 });

  it("streams a one-piece job's rows rising before its terminal version, while its versions count only committed rows", async () => {
    const { api, sources, messaging, pipeline, jobIds } = suite;
    const body = peopleCsv(rowCount);
    const url = await sources.put('one-piece.csv', body);
    const jobId = await api.startImport({
      sources: [{ url, type: 'object' }],
      format: 'CSV',
      destinationTopic: await createDestinationTopic(messaging, 'one-piece'),
      keyField: 'id',
      schema: peopleSchema,
    });
    jobIds.push(jobId);
    const stream = await openSse(`${pipeline.url}/v1/imports/${jobId}/progress`, {}, AbortSignal.timeout(240_000));
    expect(stream.status).toBe(200);

    const events: ServerSentEvent[] = [];
    for await (const event of stream.events) {
      events.push(event);
      if (event.type === 'in-flight' && events.filter(({ type }) => type === 'in-flight').length === 1) {
        // The service's listener is reading by now: what follows these on the topic is read after them.
        await messaging.producer.send(hostileReports(jobId, pipeline.topics.pieceProgress));
      }
    }

    const versions = events.filter(({ type }) => type === 'progress').map((event) => JSON.parse(event.data) as JobProgress);
    const inFlight = events.filter(({ type }) => type === 'in-flight').map((event) => JSON.parse(event.data) as InFlightProgress);
    const terminal = versions.at(-1)!;
    const failed = Math.floor(rowCount / failEvery);
    expect(terminal).toMatchObject({ status: 'Completed', pieces: { total: 1, completed: 1 }, rows: { processed: rowCount, failed } });
    expect(events.at(-1)?.type).toBe('progress');
    // Before its one piece commits, no version counts a row; from then on, every version counts them all.
    const pieceCommitted = versions.findIndex(({ pieces }) => pieces.completed === 1);
    expect(versions.slice(0, pieceCommitted).map(({ rows }) => rows.processed + rows.failed)).toEqual(versions.slice(0, pieceCommitted).map(() => 0));
    expect(versions.slice(pieceCommitted).map(({ rows }) => rows)).toEqual(versions.slice(pieceCommitted).map(() => terminal.rows));

    const read = inFlight.map(({ rows }) => rows.read);
    expect(read.length).toBeGreaterThanOrEqual(2);
    expect(read).toEqual([...read].sort((a, b) => a - b));
    expect(read[0]).toBeGreaterThan(0);
    expect(read.at(-1)).toBeGreaterThan(read[0]!);
    for (const figures of inFlight) {
      expect(figures).toMatchObject({ jobId, piecesInHand: 1, bytes: { total: Buffer.byteLength(body) } });
      expect(figures.rows.read).toBeLessThanOrEqual(rowCount);
      expect(figures.rows.failed).toBeLessThanOrEqual(Math.ceil(figures.rows.read / failEvery));
      expect(figures.bytes.read).toBeLessThanOrEqual(figures.bytes.total);
    }
    // An in-flight event adds to the version sent before it, and repeats its id: Last-Event-ID names versions only.
    for (const [index, event] of events.entries()) {
      if (event.type !== 'in-flight') continue;
      const before = events.slice(0, index).findLast(({ type }) => type === 'progress');
      expect(event.id).toBe(before?.id);
      expect((JSON.parse(event.data) as InFlightProgress).version).toBe(Number(before?.id));
    }
  });

  itChecksEveryJobOfTheFile(suite);
});

/** People under `peopleSchema`, every `failEvery`th with an age that is not a number. */
function peopleCsv(count: number): string {
  const lines = ['id,name,email,age'];
  for (let index = 1; index <= count; index++) lines.push(`p-${index},Person ${index},person${index}@example.com,${index % failEvery === 0 ? 'forty' : 18 + (index % 60)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * What the service must not believe on its progress topic: bytes that are not a message, another
 * tenant's word on the job, a piece reading more than the job holds, more rows than bytes could hold.
 */
function hostileReports(jobId: string, topic: string) {
  const report = { type: 'PieceProgress', version: 1, jobId, tenantId: 'default', pieceId: 'forged', rowsRead: 900_000_000, rowsFailed: 0, bytesRead: 1_000_000_000, at: new Date().toISOString() };
  return [
    '{"type":"PieceProgress","version":1,',
    JSON.stringify({ ...report, tenantId: 'globex', pieceId: 'globex-piece', bytesRead: 1_000_000 }),
    JSON.stringify({ ...report, pieceId: 'too-many-bytes' }),
    JSON.stringify({ ...report, pieceId: 'too-many-rows', bytesRead: 10 }),
  ].map((value) => ({ topic, key: jobId, value }));
}
