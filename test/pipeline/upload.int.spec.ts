import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

    // README's example: a form field carries `true` as text, and it means the boolean.
    const { status, body } = await api.upload('events.ndjson.gz', gzipSync(lines), {
      destinationTopic: await createDestinationTopic(messaging, 'gz'),
      exclusiveDestination: 'true',
    });

    expect(status).toBe(202);
    jobIds.push(body.id);
    expect(await api.waitUntilFinished(body.id)).toMatchObject({
      status: 'Completed',
      definition: { format: 'JSON', exclusiveDestination: true },
      rows: { imported: 50 },
    });
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
    expect(await api.upload('x.csv', 'id\n1\n', { destinationTopic: 'anywhere', exclusiveDestination: 'yes' })).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ field: 'exclusiveDestination' })] },
    });
  });

  itChecksEveryJobOfTheFile(suite);
});

async function postStream(url: string, contentType: string, body: Readable): Promise<{ status: number; body: { id: string } }> {
  const request = httpRequest(url, { method: 'POST', headers: { 'content-type': contentType } });
  const answered = new Promise<{ status: number; body: { id: string } }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as { id: string } }));
      response.on('error', reject);
    });
  });
  await pipeline(body, request);
  return answered;
}

/** V8's own collector, callable from a test without starting node with --expose-gc. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const collectGarbage = gcFunction();

describe('direct uploads larger than what the api holds in memory', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 8 * 1024 * 1024 });

  /**
   * POSTs a generated NDJSON file of `rows` rows as a multipart upload, made as it is sent with
   * backpressure, so that the client never holds it whole either (fetch with a stream body buffers
   * ahead of the socket, which would count here); measures what the process held meanwhile.
   */
  async function uploadGenerated(rows: number, destinationTopic: string) {
    const boundary = `----import-jobs-${Date.now()}`;
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="destinationTopic"\r\n\r\n${destinationTopic}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.ndjson"\r\nContent-Type: application/x-ndjson\r\n\r\n`;
    let fileBytes = 0;
    function* multipartBody(): Generator<Buffer> {
      yield Buffer.from(head);
      for (let next = 0; next < rows; ) {
        const until = Math.min(rows, next + 5_000);
        let chunk = '';
        for (; next < until; next++) chunk += `{"id":${next},"name":"row ${next} of a large upload","amount":${next % 997},"note":"${'x'.repeat(60)}"}\n`;
        fileBytes += Buffer.byteLength(chunk);
        yield Buffer.from(chunk);
      }
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    // What the process holds, after a collection: RSS alone would count garbage not yet collected.
    const liveBytes = () => {
      collectGarbage();
      const { heapUsed, external } = process.memoryUsage();
      return heapUsed + external;
    };
    const before = liveBytes();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, liveBytes())), 500);
    try {
      const answer = await postStream(`${suite.pipeline.url}/v1/imports`, `multipart/form-data; boundary=${boundary}`, Readable.from(multipartBody()));
      return { answer, fileBytes, growthMiB: Math.round((peak - before) / 2 ** 20) };
    } finally {
      clearInterval(sampler);
    }
  }

  it('imports every row of an upload over the 10 MiB body limit', async () => {
    const { api, messaging, jobIds } = suite;
    const rows = 150_000;

    const { answer, fileBytes } = await uploadGenerated(rows, await createDestinationTopic(messaging, 'over-body-limit'));

    expect(answer.status).toBe(202);
    jobIds.push(answer.body.id);
    expect(fileBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(await api.waitUntilFinished(answer.body.id, 540_000)).toMatchObject({ status: 'Completed', rows: { imported: rows }, file_size: String(fileBytes) });
  }, 600_000);

  it('streams a 150 MiB upload through: the process grows by a bounded amount, not by the file', async () => {
    const { api, messaging, jobIds } = suite;

    const { answer, fileBytes, growthMiB } = await uploadGenerated(1_200_000, await createDestinationTopic(messaging, 'large-upload'));

    expect(answer.status).toBe(202);
    jobIds.push(answer.body.id);
    expect(fileBytes).toBeGreaterThan(150 * 1024 * 1024);
    // Streaming holds two 5 MiB parts and their copies: 40 to 70 MiB was seen whether the file was
    // 77 or 155 MiB (the rest is the in-process worker and its clients, busy meanwhile), where
    // holding this one would add over 150. Importing it is the test above's job; this one is
    // cancelled, to spare the run the time.
    expect(growthMiB).toBeLessThan(100);
    expect((await api.cancel(answer.body.id)).status).toBe(204);
    await api.waitUntilFinished(answer.body.id, 540_000);
  }, 600_000);

  itChecksEveryJobOfTheFile(suite);
});
