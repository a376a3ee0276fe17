import { createHash } from 'node:crypto';
import { ImportApiAppModule } from '../../apps/import-api/src/import-api.module';
import { usePipelineSuite } from './support/pipeline-suite';

// The api app alone: no planner or worker, so an accepted job runs until it is cancelled.
const key = 'racing-tenant-key';
const apiKeys = `racer:${createHash('sha256').update(key).digest('hex')}`;
// The place is lost only when a request finds no job yet, is admitted, and then finds the job its
// twin created: several twins over several rounds make that all but certain.
const twinsPerRound = 4;
const rounds = 10;

describe('the running-jobs quota, when requests with one client token race', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, module: ImportApiAppModule, apiKeys, maxRunningJobsPerTenant: 1 });
  const request = (clientToken: string, destinationTopic: string) => ({
    sources: [{ url: 's3://never-read/rows.csv', type: 'object' }],
    format: 'CSV',
    destinationTopic,
    clientToken,
  });

  it('keeps the place of the job one of them created when the others are refused, so another job is still refused while it runs', async () => {
    const api = suite.api.as(`Bearer ${key}`);
    for (let round = 0; round < rounds; round++) {
      const twins = await Promise.all(Array.from({ length: twinsPerRound }, (_, twin) => api.requestImport(request(`twin-${round}`, `twin-${twin}`))));
      const jobId = twins.find(({ status }) => status === 202)?.body.id;
      expect(jobId).toBeDefined();
      // One job exists: each other request is refused as a conflict or, when the event store takes
      // its append (with the first one's event id) for a retry of the first, answered with that job.
      const accepted = { status: 202, jobId };
      const conflict = { status: 409, code: 'IDEMPOTENCY_CONFLICT', jobId };
      for (const { status, body } of twins) {
        expect([accepted, conflict]).toContainEqual(status === 202 ? { status, jobId: body.id } : { status, code: body.code, jobId: body.jobId });
      }

      expect(await api.requestImport(request(`third-${round}`, 'third'))).toMatchObject({
        status: 429,
        body: { type: 'ServiceQuotaExceeded', code: 'RUNNING_JOBS_QUOTA_EXCEEDED' },
      });
      expect((await api.getJob(jobId!)).body.status).toBe('Requested');

      // Once the job ends its place is free again, for the next round.
      expect((await api.cancel(jobId!)).status).toBe(204);
    }
  });
});
