import { createHash } from 'node:crypto';
import { ImportApiAppModule } from '../../apps/import-api/src/import-api.module';
import { usePipelineSuite } from './support/pipeline-suite';

// The api app alone: no planner or worker, so an accepted job stays running until it is cancelled,
// and which jobs hold a place is decided by the test, not by how fast a job finishes.
const keyOf = { quota: 'quota-tenant-key', exclusive: 'exclusive-tenant-key', other: 'other-tenant-key' };
const apiKeys = Object.entries(keyOf)
  .map(([tenant, key]) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`)
  .join(',');
const maxRunningJobsPerTenant = 2;

describe('limits on running jobs: a tenant quota, and destinations a job asked to use alone', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, module: ImportApiAppModule, apiKeys, maxRunningJobsPerTenant });
  const request = (destinationTopic: string, extra: Record<string, unknown> = {}) => ({
    sources: [{ url: 's3://never-read/rows.csv', type: 'object' }],
    format: 'CSV',
    destinationTopic,
    ...extra,
  });

  it('refuses a job past the tenant quota with 429 ServiceQuotaExceeded and Retry-After, and admits it once a job ended', async () => {
    const api = suite.api.as(`Bearer ${keyOf.quota}`);
    const accepted = await Promise.all([api.requestImport(request('quota-a')), api.requestImport(request('quota-b'))]);
    expect(accepted.map(({ status }) => status)).toEqual([202, 202]);

    const refused = await api.requestImport(request('quota-c'));
    expect(refused).toMatchObject({
      status: 429,
      body: { type: 'ServiceQuotaExceeded', code: 'RUNNING_JOBS_QUOTA_EXCEEDED' },
      retryAfter: expect.stringMatching(/^\d+$/),
    });
    // Another tenant's quota is its own.
    expect((await suite.api.as(`Bearer ${keyOf.other}`).requestImport(request('quota-other'))).status).toBe(202);

    expect((await api.cancel(accepted[0]!.body.id)).status).toBe(204);
    expect((await api.requestImport(request('quota-c'))).status).toBe(202);
  });

  it('admits exactly as many of many concurrent requests as the quota has places', async () => {
    const api = suite.api.as(`Bearer ${keyOf.exclusive}`);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => api.requestImport(request(`race-${index}`))));

    expect(answers.filter(({ status }) => status === 202)).toHaveLength(maxRunningJobsPerTenant);
    expect(answers.filter(({ status }) => status === 429)).toHaveLength(6 - maxRunningJobsPerTenant);
    await Promise.all(answers.filter(({ status }) => status === 202).map(({ body }) => api.cancel(body.id)));
  });

  it('refuses a second exclusive job on a destination with 409 naming the running job, until that job ends', async () => {
    const api = suite.api.as(`Bearer ${keyOf.exclusive}`);
    const first = await api.requestImport(request('exclusive-topic', { exclusiveDestination: true }));
    expect(first).toMatchObject({ status: 202, body: { definition: { exclusiveDestination: true } } });

    expect(await api.requestImport(request('exclusive-topic', { exclusiveDestination: true }))).toMatchObject({
      status: 409,
      body: { type: 'Conflict', code: 'DESTINATION_IN_USE', jobId: first.body.id, details: [{ field: 'destinationTopic' }] },
    });
    // Another tenant is told the destination is taken, not by which job.
    const fromOther = await suite.api.as(`Bearer ${keyOf.other}`).requestImport(request('exclusive-topic', { exclusiveDestination: true }));
    expect(fromOther).toMatchObject({ status: 409, body: { code: 'DESTINATION_IN_USE' } });
    expect(fromOther.body.jobId).toBeUndefined();

    expect((await api.cancel(first.body.id)).status).toBe(204);
    const second = await api.requestImport(request('exclusive-topic', { exclusiveDestination: true }));
    expect(second.status).toBe(202);
    expect((await api.cancel(second.body.id)).status).toBe(204);
  });
});
