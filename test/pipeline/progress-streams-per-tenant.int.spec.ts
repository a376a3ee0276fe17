import { createHash } from 'node:crypto';
import type { ErrorBody } from '@import-jobs/application/http/refusal.filter';
import { openSse, type SseConnection } from '@import-jobs/application/job-progress/testing/sse-client';
import { ImportApiAppModule } from '../../apps/import-api/src/import-api.module';
import { eventually } from './support/deadline';
import { usePipelineSuite } from './support/pipeline-suite';

const keyOf = { capped: 'capped-tenant-key', other: 'other-tenant-key', careful: 'careful-tenant-key' };
const apiKeys = Object.entries(keyOf)
  .map(([tenant, key]) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`)
  .join(',');
const asTenant = (tenant: keyof typeof keyOf) => ({ authorization: `Bearer ${keyOf[tenant]}` });
const maxStreams = 3;

// The api app alone: no planner or worker, so a job stays running and its stream stays open.
describe('the cap on the progress streams a tenant holds open', () => {
  const settingBefore = process.env.MAX_PROGRESS_STREAMS_PER_TENANT;
  // Registered before the suite's own beforeAll, so that the app starts with it.
  beforeAll(() => {
    process.env.MAX_PROGRESS_STREAMS_PER_TENANT = String(maxStreams);
  });
  afterAll(() => {
    if (settingBefore === undefined) delete process.env.MAX_PROGRESS_STREAMS_PER_TENANT;
    else process.env.MAX_PROGRESS_STREAMS_PER_TENANT = settingBefore;
  });
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, module: ImportApiAppModule, apiKeys });
  const connections: SseConnection[] = [];
  afterAll(() => connections.forEach((connection) => connection.close()));

  async function open(path: string, headers: Record<string, string>): Promise<SseConnection> {
    const connection = await openSse(`${suite.pipeline.url}${path}`, headers, AbortSignal.timeout(60_000));
    connections.push(connection);
    return connection;
  }

  /** A stream the service refuses answers JSON, which the SSE client does not read. */
  async function refusalOf(path: string, headers: Record<string, string>): Promise<{ status: number; body: ErrorBody }> {
    const response = await fetch(`${suite.pipeline.url}${path}`, { headers: { accept: 'text/event-stream', ...headers } });
    return { status: response.status, body: (await response.json()) as ErrorBody };
  }

  async function startJob(tenant: keyof typeof keyOf): Promise<string> {
    return suite.api.as(asTenant(tenant).authorization).startImport({ sources: [{ url: 's3://never-read/rows.csv', type: 'object' }], format: 'CSV', destinationTopic: 'progress-cap' });
  }

  it('refuses a stream past the cap with 429, counting job and tenant streams alike, and opens one again once a stream closes', async () => {
    const jobId = await startJob('capped');
    const held = [await open('/v1/imports/progress', asTenant('capped')), await open(`/v1/imports/${jobId}/progress`, asTenant('capped'))];
    for (let stream = held.length; stream < maxStreams; stream++) held.push(await open('/v1/imports/progress', asTenant('capped')));
    expect(held.map(({ status }) => status)).toEqual(held.map(() => 200));

    const refusal = { status: 429, body: { type: 'TooManyRequests', code: 'TOO_MANY_PROGRESS_STREAMS' } };
    expect(await refusalOf('/v1/imports/progress', asTenant('capped'))).toMatchObject(refusal);
    expect(await refusalOf(`/v1/imports/${jobId}/progress`, asTenant('capped'))).toMatchObject(refusal);
    // Another tenant's streams are its own.
    expect((await open('/v1/imports/progress', asTenant('other'))).status).toBe(200);

    held[1]!.close();
    // The service learns that the client left when its connection closes, a moment after.
    const reopened = await eventually('a stream to open once another one closed', async () => {
      const stream = await open(`/v1/imports/${jobId}/progress`, asTenant('capped'));
      if (stream.status === 200) return stream;
      stream.close();
      return undefined;
    });
    expect(reopened.status).toBe(200);
    expect(await refusalOf('/v1/imports/progress', asTenant('capped'))).toMatchObject(refusal);
  });

  it('holds no place for a stream refused while it is set up', async () => {
    const othersJob = await startJob('other');
    for (let attempt = 0; attempt <= maxStreams; attempt++) {
      expect(await refusalOf(`/v1/imports/${othersJob}/progress`, asTenant('careful'))).toMatchObject({ status: 404, body: { code: 'JOB_NOT_FOUND' } });
    }

    const streams = [];
    for (let stream = 0; stream < maxStreams; stream++) streams.push(await open('/v1/imports/progress', asTenant('careful')));
    expect(streams.map(({ status }) => status)).toEqual(streams.map(() => 200));
  });
});
