import type { ErrorBody } from '@import-jobs/application/http/refusal.filter';
import type { JobResource } from '@import-jobs/read-model';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';

type Page = { jobs: JobResource[]; nextCursor: string | null };

describe("the job listing's query parameters", () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096 });

  async function list(query: string): Promise<{ status: number; body: Page & ErrorBody }> {
    const response = await fetch(`${suite.pipeline.url}/v1/imports?${query}`);
    return { status: response.status, body: (await response.json()) as Page & ErrorBody };
  }

  it('takes the statuses comma-separated or the parameter repeated', async () => {
    const { api, sources, jobIds } = suite;
    // Its object is missing, so it fails at once, and the listing has a job in a known status.
    const jobId = await api.startImport({ sources: [{ url: sources.url('missing.csv'), type: 'object' }], format: 'CSV', destinationTopic: 'listing.unused' });
    jobIds.push(jobId);
    await api.waitForStatus(jobId, 'Failed');

    for (const query of ['status=Failed', 'status=Processing,Failed', 'status=Processing&status=Failed', 'status=Processing&status=&status=Failed']) {
      const page = await list(query);
      expect([query, page.status, page.body.jobs?.map((job) => job.id)]).toEqual([query, 200, [jobId]]);
    }
    for (const query of ['status=Processing', 'status=Processing&status=Completed']) {
      expect(await list(query)).toMatchObject({ status: 200, body: { jobs: [] } });
    }
  });

  it.each([
    ['status=Bogus', 'status'],
    ['status=Processing&status=Bogus', 'status'],
    ['status=Failed,Bogus&status=Processing', 'status'],
    ['limit=abc', 'limit'],
    ['limit=', 'limit'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=0x10', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=99999999999999999999', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['cursor=not-one-of-ours', 'cursor'],
    ['cursor=', 'cursor'],
    ['cursor=a&cursor=b', 'cursor'],
  ])('answers %s with 400 naming %s', async (query, field) => {
    const answer = await list(query);

    expect(answer).toMatchObject({ status: 400, body: { type: 'BadRequest', code: 'VALIDATION_FAILED', details: [{ field }] } });
    expect(answer.body.details).toHaveLength(1);
  });

  itChecksEveryJobOfTheFile(suite);
});
