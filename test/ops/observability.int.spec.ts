import { randomUUID } from 'node:crypto';
import { peopleFile, peopleSchema } from '../pipeline/support/fixture-files';
import { eventually } from '../pipeline/support/deadline';
import { ImportsApi } from '../pipeline/support/imports-api';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';
import { SourceBucket } from '../pipeline/support/source-bucket';
import { createDestinationTopic, testMessaging } from '../pipeline/support/topics';
import type { Messaging } from '@import-jobs/messaging';

describe('logs and metrics of a running app', () => {
  let pipeline: PipelineApp;
  let api: ImportsApi;
  let sources: SourceBucket;
  let messaging: Messaging;

  beforeAll(async () => {
    pipeline = await startPipelineApp({ pieceSizeBytes: 2048 });
    api = new ImportsApi(pipeline.url, pipeline.log);
    sources = await SourceBucket.create();
    messaging = testMessaging(pipeline.log);
  });

  afterAll(async () => {
    await messaging?.close();
    sources?.close();
    await pipeline?.app.close();
  });

  it("answers with the caller's x-request-id and logs the request under it", async () => {
    const requestId = `test-${randomUUID()}`;
    const response = await fetch(`${pipeline.url}/v1/imports/${randomUUID()}`, { headers: { 'x-request-id': requestId } });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const line = pipeline.log.entries.find((entry) => entry.requestId === requestId);
    expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 404 } });
  });

  it('makes up a request id when the caller gives none, or one that could forge a log line', async () => {
    const none = await fetch(`${pipeline.url}/v1/imports?limit=1`);
    const forged = await fetch(`${pipeline.url}/v1/imports?limit=1`, { headers: { 'x-request-id': 'a"b\\nc' } });

    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts the rows, bytes, failures and pieces of an import, and names the job on the lines about it', async () => {
    const before = await scrape(pipeline.url);
    const file = peopleFile(120);
    const url = await sources.put('people.csv', file.body);
    const jobId = await api.startImport({
      sources: [{ url, type: 'object' }],
      format: 'CSV',
      destinationTopic: await createDestinationTopic(messaging, 'metrics'),
      keyField: 'id',
      schema: peopleSchema,
    });
    const job = await api.waitUntilFinished(jobId);
    const after = await scrape(pipeline.url);
    const moved = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);

    expect(job.status).toBe('Completed');
    expect(job.pieces.total).toBeGreaterThan(1);
    expect(moved('import_jobs_rows_processed_total')).toBe(file.rows.length);
    expect(moved('import_jobs_row_failures_total')).toBe(file.invalid.length);
    expect(moved('import_jobs_bytes_processed_total')).toBe(job.bytes.processed);
    expect(moved('import_jobs_pieces_total{outcome="completed"}')).toBe(job.pieces.total);
    expect(moved('import_jobs_piece_duration_seconds_count')).toBe(job.pieces.total);
    expect(after.get('import_jobs_jobs{status="Completed"}')).toBeGreaterThanOrEqual(1);
    const jobReads = [...after.keys()].filter((name) => /^http_request_duration_seconds_count\{method="GET",route="\/v1\/imports\/:\w+",status_code="200"\}$/.test(name));
    expect(jobReads).toHaveLength(1);
    expect(moved(jobReads[0]!)).toBeGreaterThan(0);
    expect(pipeline.log.entries).toContainEqual(expect.objectContaining({ msg: 'Planned an import job', jobId, level: 30 }));
  });

  it('reports the lag of every consumer group and projection, which the finished work has brought down', async () => {
    const { topicPrefix } = pipeline.settings;
    const consumerLag = (scraped: Map<string, number>, group: string) =>
      [...scraped].find(([name]) => name.startsWith(`import_jobs_consumer_lag{group="${topicPrefix}.${group}"`))?.[1];
    const projectionLag = (scraped: Map<string, number>, projection: string) => scraped.get(`import_jobs_projection_lag_events{projection="${projection}"}`);
    let last = new Map<string, number>();
    await eventually(
      'every lag to come down',
      async () => {
        last = await scrape(pipeline.url);
        const settled =
          consumerLag(last, 'command-handlers') === 0 &&
          consumerLag(last, 'piece-workers') === 0 &&
          // Results are written in transactions: the commit marker after a partition's last record
          // takes an offset that a caught-up group never commits past.
          (consumerLag(last, 'piece-results') ?? Infinity) <= 3 &&
          ['job-status', 'plan-import', 'finish-import', 'publish-job-events'].every((projection) => projectionLag(last, projection) === 0);
        return settled || undefined;
      },
      { explain: () => `Last lags: ${JSON.stringify([...last].filter(([name]) => name.startsWith('import_jobs_') && name.includes('_lag')))}` },
    );
  });
});

/** `/metrics` as a map from each sample's name and labels, as Prometheus writes them, to its value. */
async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples = (await response.text()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  return new Map(samples.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}
