import { createHash } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { CommandRejected } from '@import-jobs/application/command-topic/command-messages';
import { jobIdFor } from '@import-jobs/application/request-import/request-import.handler';
import { cityFile } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { randomSuffix } from './support/random-suffix';
import { createDestinationTopic, TopicReader } from './support/topics';

const keyOf = { acme: 'acme-isolation-key', globex: 'globex-isolation-key', initech: 'initech-isolation-key' };
const apiKeys = Object.entries(keyOf)
  .map(([tenant, key]) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`)
  .join(',');
const lake = `tenant-lake-${randomSuffix()}`;
// Each tenant reads its own prefix of one shared bucket and writes its own topics.
const tenantGrants = `
tenants:
  acme:
    sources: ["s3://${lake}/acme/"]
    destinations: ["acme-*", "pipeline-test.acme-*"]
  globex:
    sources: ["s3://${lake}/globex/"]
    destinations: ["globex-*", "pipeline-test.globex-*"]
`;

describe('tenant isolation: a tenant reads only what it was granted and writes only its own topics', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, apiKeys, tenantGrants });
  const acme = () => suite.api.as(`Bearer ${keyOf.acme}`);
  const globex = () => suite.api.as(`Token ${keyOf.globex}`);

  beforeAll(async () => {
    const { s3 } = suite.pipeline;
    await s3.send(new CreateBucketCommand({ Bucket: lake }));
    for (const tenant of ['acme', 'globex']) {
      await s3.send(new PutObjectCommand({ Bucket: lake, Key: `${tenant}/cities.csv`, Body: cityFile(tenant, 30).body }));
    }
  });

  const csvImport = (url: string, destinationTopic: string, type: 'object' | 'prefix' = 'object') => ({ sources: [{ url, type }], format: 'CSV', destinationTopic });

  it("imports a tenant's own data into its own topic, and shows another tenant nothing of it", async () => {
    const { pipeline, messaging } = suite;
    const destination = await createDestinationTopic(messaging, 'acme-cities');
    const jobId = await acme().startImport(csvImport(`s3://${lake}/acme/cities.csv`, destination));
    suite.jobIds.push(jobId);

    expect(await acme().waitUntilFinished(jobId)).toMatchObject({ status: 'Completed', rows: { imported: 30 } });
    expect((await globex().getJob(jobId)).status).toBe(404);
    expect((await globex().history(jobId)).status).toBe(404);
    expect((await globex().cancel(jobId)).status).toBe(404);
    expect((await globex().listJobs()).body.jobs.map((job) => job.id)).not.toContain(jobId);
    const progress = await fetch(`${pipeline.url}/v1/imports/${jobId}/progress`, { headers: { authorization: `Token ${keyOf.globex}` } });
    expect(progress.status).toBe(404);
    await progress.body?.cancel();
  });

  it("never imports another tenant's upload, by its id or by its object's URL", async () => {
    const started = await globex().startUpload('globex-cities.csv');
    expect(started.status).toBe(201);
    expect((await globex().putUploadContent(started.body.url, cityFile('globex-upload', 5).body, 'text/csv')).status).toBe(200);
    const { uploadId } = started.body;

    expect((await acme().getUpload(uploadId)).status).toBe(404);
    expect((await acme().putUploadContent(started.body.url, 'id\nforged\n', 'text/csv')).status).toBe(404);
    expect(await acme().requestImport({ uploadId, destinationTopic: 'acme-cities' })).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    const uploadedObjects = await suite.pipeline.s3.send(new ListObjectsV2Command({ Bucket: 'import-jobs-uploads', Prefix: `globex/` }));
    const globexObject = uploadedObjects.Contents?.find(({ Key }) => Key?.endsWith('globex-cities.csv'))?.Key;
    expect(globexObject).toBeDefined();
    expect(await acme().requestImport(csvImport(`s3://import-jobs-uploads/${globexObject}`, 'acme-cities'))).toMatchObject({
      status: 403,
      body: { code: 'RESERVED_BUCKET' },
    });
  });

  it("cannot cancel another tenant's job over the command topic", async () => {
    const { messaging, pipeline } = suite;
    const destination = await createDestinationTopic(messaging, 'globex-cities');
    const jobId = await globex().startImport(csvImport(`s3://${lake}/globex/cities.csv`, destination));
    suite.jobIds.push(jobId);
    const rejections = await TopicReader.start(messaging, pipeline.topics.commandRejections);
    const key = `cancel-${randomSuffix()}`;

    await messaging.producer.send([
      { topic: pipeline.topics.commands, key, value: JSON.stringify({ type: 'CancelImport', version: 1, jobId }), headers: { authorization: `Bearer ${keyOf.acme}` } },
    ]);

    const rejection = await rejections.waitFor('the rejection', (messages) => messages.find((message) => message.key === key));
    expect(JSON.parse(rejection.value!.toString('utf8')) as CommandRejected).toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(await globex().waitUntilFinished(jobId)).toMatchObject({ status: 'Completed', rows: { imported: 30 } });
  });

  it.each([
    ["another tenant's object", `s3://${lake}/globex/cities.csv`, 'object'],
    ["a prefix that holds another tenant's data", `s3://${lake}/`, 'prefix'],
    ['a prefix that only starts like its own', `s3://${lake}/acme`, 'prefix'],
    ['a bucket nobody was granted', 's3://some-other-bucket/data.csv', 'object'],
  ] as const)('refuses %s with 403 SOURCE_NOT_GRANTED', async (_, url, type) => {
    expect(await acme().requestImport(csvImport(url, 'acme-cities', type))).toMatchObject({
      status: 403,
      body: { type: 'Forbidden', code: 'SOURCE_NOT_GRANTED', details: [{ field: 'sources[0].url' }] },
    });
  });

  it('refuses a key that climbs out of its granted prefix', async () => {
    expect(await acme().requestImport(csvImport(`s3://${lake}/acme/../globex/cities.csv`, 'acme-cities'))).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', details: [{ field: 'sources[0].url' }] },
    });
  });

  it("refuses the service's own buckets as a source, for every tenant: uploads by URL and failure reports", async () => {
    const { settings } = suite.pipeline;
    for (const url of ['s3://import-jobs-uploads/', `s3://${settings.reportsBucket}/`]) {
      expect(await acme().requestImport(csvImport(url, 'acme-cities', 'prefix'))).toMatchObject({ status: 403, body: { code: 'RESERVED_BUCKET' } });
    }
  });

  it("refuses the service's topics, Kafka's and another tenant's as a destination", async () => {
    const { topics } = suite.pipeline;
    const source = `s3://${lake}/acme/cities.csv`;
    for (const topic of [topics.jobEvents, topics.pieces, topics.pieceResults, topics.pieceProgress, topics.commands, topics.deadLetters, topics.jobEvents.replace(/\./g, '_'), '__consumer_offsets']) {
      expect({ topic, answer: await acme().requestImport(csvImport(source, topic)) }).toMatchObject({ topic, answer: { status: 403, body: { code: 'RESERVED_TOPIC', details: [{ field: 'destinationTopic' }] } } });
    }
    expect(await acme().requestImport(csvImport(source, 'globex-cities'))).toMatchObject({ status: 403, body: { code: 'DESTINATION_NOT_GRANTED' } });
    expect(
      await acme().requestImport({ sources: [{ url: source, type: 'object', destination: 'globex-cities' }], format: 'CSV', destinationTopic: 'acme-cities' }),
    ).toMatchObject({ status: 403, body: { code: 'DESTINATION_NOT_GRANTED', details: [{ field: 'sources[0].destination' }] } });
  });

  it('refuses a direct upload into a topic of the service, and keeps nothing of its file', async () => {
    const { s3 } = suite.pipeline;
    // The uploads bucket is shared by every test file of the run: only this request's file counts.
    const filename = `refused-${randomSuffix()}.ndjson`;
    const refused = await acme().upload(filename, '{"id":1}\n', { destinationTopic: suite.pipeline.topics.jobEvents });

    expect(refused).toMatchObject({ status: 403, body: { code: 'RESERVED_TOPIC' } });
    const stored = await s3.send(new ListObjectsV2Command({ Bucket: 'import-jobs-uploads', Prefix: 'acme/' }));
    expect((stored.Contents ?? []).filter(({ Key }) => Key?.endsWith(filename))).toEqual([]);
  });

  it('holds a command on the topic to the same grants, and its rejection quotes no credential', async () => {
    const { messaging, pipeline } = suite;
    const rejections = await TopicReader.start(messaging, pipeline.topics.commandRejections);
    const key = `forged-${randomSuffix()}`;

    await messaging.producer.send([
      {
        topic: pipeline.topics.commands,
        key,
        value: JSON.stringify({ type: 'RequestImport', version: 1, ...csvImport(`s3://${lake}/acme/cities.csv`, pipeline.topics.jobEvents) }),
        headers: { authorization: `Bearer ${keyOf.acme}`, 'x-trace': 'kept' },
      },
    ]);

    const rejection = await rejections.waitFor('the rejection', (messages) => messages.find((message) => message.key === key));
    const text = rejection.value!.toString('utf8');
    expect(JSON.parse(text) as CommandRejected).toMatchObject({ code: 'RESERVED_TOPIC', command: { key, headers: { 'x-trace': 'kept' } } });
    expect(text).not.toContain(keyOf.acme);
    expect(text.toLowerCase()).not.toContain('authorization');
    expect((await acme().getJob(jobIdFor('acme', key))).status).toBe(404);
  });

  it('leaves a tenant the grants file does not name nothing to read or write', async () => {
    // initech has an API key but no entry in the grants file.
    const initech = suite.api.as(`Bearer ${keyOf.initech}`);
    expect(await initech.requestImport(csvImport(`s3://${lake}/acme/cities.csv`, 'initech-cities'))).toMatchObject({ status: 403, body: { code: 'SOURCE_NOT_GRANTED' } });
  });

  itChecksEveryJobOfTheFile(suite);
});
