import { gzipSync } from 'node:zlib';
import { deliveredRecords, expectedRecords } from './support/delivered-records';
import { cityFile } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

const maxUploadBytes = 64 * 1024;

describe('direct upload: the file in a multipart POST, streamed to the uploads bucket and imported', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 2048, maxUploadBytes });

  it('imports an uploaded CSV, its format told by its name, every row once, and answers with Userpilot fields', async () => {
    const { api, messaging, jobIds } = suite;
    const file = cityFile('upload', 200);
    const destinationTopic = await createDestinationTopic(messaging, 'uploaded');

    const { status, body } = await api.upload('cities 2026.csv', file.body, { destinationTopic, keyField: 'id', metadata: JSON.stringify({ owner: 'crm' }) });

    expect(status).toBe(202);
    jobIds.push(body.id);
    expect(body.definition).toMatchObject({ format: 'CSV', metadata: { owner: 'crm', filename: 'cities 2026.csv' } });
    const job = await api.waitUntilFinished(body.id);
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: 200, imported: 200 }, total_rows: '200', file_size: String(Buffer.byteLength(file.body)) });
    const [source] = job.definition.sources;
    expect(deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic))).toEqual(expectedRecords(job.id, source!.url, file.valid));
  });

  it('imports a gzip upload of NDJSON', async () => {
    const { api, messaging, jobIds } = suite;
    const lines = Array.from({ length: 50 }, (_, index) => JSON.stringify({ id: index, name: `n${index}` })).join('\n');

    const { status, body } = await api.upload('events.ndjson.gz', gzipSync(lines), { destinationTopic: await createDestinationTopic(messaging, 'gz') });

    expect(status).toBe(202);
    jobIds.push(body.id);
    expect(await api.waitUntilFinished(body.id)).toMatchObject({ status: 'Completed', definition: { format: 'JSON' }, rows: { imported: 50 } });
  });

  it('refuses a file over the size limit with 413, and a file of no known format or a field that is not JSON with 400', async () => {
    const { api } = suite;

    expect(await api.upload('big.csv', `id\n${'1\n'.repeat(maxUploadBytes)}`, { destinationTopic: 'anywhere' })).toMatchObject({
      status: 413,
      body: { code: 'PAYLOAD_TOO_LARGE' },
    });
    expect(await api.upload('notes.txt', 'a,b\n1,2\n', { destinationTopic: 'anywhere' })).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ field: 'format' })] },
    });
    expect(await api.upload('x.csv', 'id\n1\n', { destinationTopic: 'anywhere', schema: '{not json' })).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ field: 'schema' })] },
    });
  });

  itChecksEveryJobOfTheFile(suite);
});
