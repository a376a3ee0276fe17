import { createHash } from 'node:crypto';
import type { CommandRejected } from '@import-jobs/application/command-topic/command-messages';
import { jobIdFor } from '@import-jobs/application/request-import/request-import.handler';
import { cityFile } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, TopicReader } from './support/topics';

const keyOf = { acme: 'acme-secret-key', globex: 'globex-secret-key' };
const apiKeys = Object.entries(keyOf)
  .map(([tenant, key]) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`)
  .join(',');

describe('access: API keys name the tenant, and a tenant sees only its own jobs', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, apiKeys });

  async function acmeJob(): Promise<string> {
    const { api, sources, messaging, jobIds } = suite;
    const url = await sources.put('acme.csv', cityFile('acme', 20).body);
    const jobId = await api
      .as(`Bearer ${keyOf.acme}`)
      .startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic: await createDestinationTopic(messaging, 'acme') });
    jobIds.push(jobId);
    return jobId;
  }

  it('answers 401, with the reason, without a key or with a key of no tenant', async () => {
    const { api } = suite;
    const body = { sources: [{ url: 's3://any/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 'x' };

    expect(await api.requestImport(body)).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', message: expect.stringContaining('API key is required') } });
    expect(await api.as('Bearer not-a-key').listJobs()).toMatchObject({ status: 401, body: { message: 'the API key is not valid' } });
  });

  it("shows, lists and cancels a job only for its own tenant: another tenant's job is not found", async () => {
    const { api } = suite;
    const jobId = await acmeJob();
    const acme = api.as(`Bearer ${keyOf.acme}`);
    const globex = api.as(`Token ${keyOf.globex}`);
    await acme.waitUntilFinished(jobId);

    expect((await acme.getJob(jobId)).status).toBe(200);
    expect((await api.as(`Token ${keyOf.acme}`).getJob(jobId)).status).toBe(200);
    expect((await globex.getJob(jobId)).status).toBe(404);
    expect((await globex.history(jobId)).status).toBe(404);
    expect((await globex.cancel(jobId)).status).toBe(404);
    expect((await acme.listJobs()).body.jobs.map((job) => job.id)).toContain(jobId);
    expect((await globex.listJobs()).body.jobs.map((job) => job.id)).not.toContain(jobId);
  });

  it('takes a command from the topic only with a valid key in its authorization header, for that key\'s tenant', async () => {
    const { api, messaging, pipeline, sources, jobIds } = suite;
    const url = await sources.put('globex.csv', cityFile('globex', 10).body);
    const request = (clientToken: string) =>
      JSON.stringify({ type: 'RequestImport', version: 1, clientToken, sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic: 'globex-records' });
    const rejections = await TopicReader.start(messaging, pipeline.topics.commandRejections);

    await messaging.producer.send([
      { topic: pipeline.topics.commands, key: 'no-key', value: request('no-key') },
      { topic: pipeline.topics.commands, key: 'with-key', value: request('with-key'), headers: { authorization: `Bearer ${keyOf.globex}` } },
    ]);

    const [rejected] = await rejections.waitFor('the rejection of the command without a key', (messages) => {
      const ours = messages.filter((message) => message.key === 'no-key');
      return ours.length > 0 ? ours : undefined;
    });
    expect(JSON.parse(rejected!.value!.toString()) as CommandRejected).toMatchObject({ code: 'UNAUTHORIZED', command: { key: 'no-key' } });
    const jobId = jobIdFor('globex', 'with-key');
    jobIds.push(jobId);
    expect(await api.as(`Bearer ${keyOf.globex}`).waitUntilFinished(jobId)).toMatchObject({ status: 'Completed' });
    expect((await api.as(`Bearer ${keyOf.acme}`).getJob(jobId)).status).toBe(404);
  });

  itChecksEveryJobOfTheFile(suite);
});
