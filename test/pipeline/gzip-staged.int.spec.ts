import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { importJobStreamId, type PieceSpec } from '@import-jobs/domain';
import { eventually } from './support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// Rows of about 60 bytes cut at 1 KiB: a gzip file of 300 rows is staged as a dozen pieces or more.
const pieceSizeBytes = 1024;
const rows = 300;
// The staging bound, low enough for a bomb of a few KiB compressed to pass it.
const maxStagedBytes = 256 * 1024;
const terminalType = /^(ImportCompleted|JobFailed|ImportCancelled)\.v1$/;

describe('a gzip source, decompressed while it is planned into staging objects imported as plain pieces', () => {
  const suite = usePipelineSuite({ pieceSizeBytes, maxStagedBytes });

  it('imports every row once, cut into several pieces at record boundaries, failures naming the .gz file and its lines, staging gone at the end', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    // A quoted note holding a line break in every tenth row: a cut at a byte offset would split it.
    const lines = ['id,note'];
    for (let index = 1; index <= rows; index++) lines.push(index === 200 ? `${index},too,many,fields` : `${index},"${index % 10 === 0 ? 'two\nlines' : 'one line'} of note ${'n'.repeat(30)}"`);
    const text = `${lines.join('\n')}\n`;
    // The bad row's own line in the file: the lines before it, counted in the text itself.
    const badLine = text.slice(0, text.indexOf('\n200,')).split('\n').length + 1;
    const url = await sources.put('gzip/rows.csv.gz', gzipSync(text));
    const destinationTopic = await createDestinationTopic(messaging, 'gzip-staged');

    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, 120_000);

    const events = await pipeline.store.readStream(importJobStreamId(jobId));
    const pieces = events.filter((event) => event.type === 'PiecesPlanned.v1').flatMap((event) => event.data.pieces as unknown as PieceSpec[]);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.every((piece) => piece.compression === 'none' && piece.object.bucket === pipeline.settings.reportsBucket && piece.object.key.startsWith(`${jobId}/staging/`))).toBe(true);
    expect(pieces.every((piece) => piece.origin?.key === 'gzip/rows.csv.gz' && piece.origin.bucket === sources.name)).toBe(true);
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: rows, failed: 1, imported: rows - 1 } });
    expect(job.pieces).toEqual({ total: pieces.length, completed: pieces.length, failed: 0, cancelled: 0 });
    expect(events.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCompleted.v1']);
    expect(job.failures).toEqual([expect.objectContaining({ line: badLine })]);

    const delivered = await readCommittedUntilNow(messaging, destinationTopic);
    expect(delivered).toHaveLength(rows - 1);
    expect(new Set(delivered.map((message) => message.key)).size).toBe(rows - 1);

    await eventually('the staging objects to be deleted', async () => ((await stagedKeys(jobId)).length === 0 ? true : undefined), { timeoutMs: 30_000 });
    // The user's file, not the staging object its row was read from.
    expect(job.failures.map((failure) => failure.file)).toEqual([url]);
  }, 240_000);

  it('fails a job whose gzip source decompresses past the staging bound, saying so, and deletes what it staged', async () => {
    const { api, messaging, sources, jobIds } = suite;
    const bomb = gzipSync(`id,note\n${'1,0000000000\n'.repeat(Math.ceil((2 * maxStagedBytes) / 13))}`);
    expect(bomb.length).toBeLessThan(maxStagedBytes / 20);
    const url = await sources.put('gzip/bomb.csv.gz', bomb);
    const destinationTopic = await createDestinationTopic(messaging, 'gzip-bomb');
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, 120_000);
    expect(job).toMatchObject({ status: 'Failed', failureReason: { code: 'SOURCE_UNREADABLE' } });
    expect(job.failureReason?.message).toContain(`${url} decompresses to more than ${maxStagedBytes} bytes`);
    await eventually('the staging objects to be deleted', async () => ((await stagedKeys(jobId)).length === 0 ? true : undefined), { timeoutMs: 30_000 });
  }, 240_000);

  it('fails a job whose gzip sources together decompress past the staging bound, each within it, saying so, and deletes what it staged', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const header = 'id,note\n';
    const csvOf = (file: string) => `${header}${Array.from({ length: 3_000 }, (_, index) => `${index + 1},note ${index + 1} of ${file} ${'x'.repeat(30)}\n`).join('')}`;
    const [first, second] = [csvOf('a'), csvOf('b')];
    expect(Math.max(first.length, second.length)).toBeLessThan(maxStagedBytes);
    expect(first.length + second.length).toBeGreaterThan(maxStagedBytes);
    await sources.put('gzip/pair/a.csv.gz', gzipSync(first));
    const secondUrl = await sources.put('gzip/pair/b.csv.gz', gzipSync(second));
    const destinationTopic = await createDestinationTopic(messaging, 'gzip-pair');

    const jobId = await api.startImport({ sources: [{ url: `s3://${sources.name}/gzip/pair/`, type: 'prefix' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, 120_000);

    // The prefix lists a.csv.gz first: staged whole (its rows, not its header), before b.csv.gz passes the bound.
    const stagedOfFirst = first.length - header.length;
    expect(job).toMatchObject({
      status: 'Failed',
      failureReason: {
        code: 'SOURCE_UNREADABLE',
        message: `${secondUrl} decompresses to more than the ${maxStagedBytes - stagedOfFirst} bytes left of ${maxStagedBytes}, the most this service stages of one job's gzip sources (MAX_STAGED_BYTES): the job has ${stagedOfFirst} bytes staged already`,
      },
    });
    const events = await pipeline.store.readStream(importJobStreamId(jobId));
    const staged = events.filter((event) => event.type === 'PiecesPlanned.v1').flatMap((event) => event.data.pieces as unknown as PieceSpec[]);
    expect(staged.length).toBeGreaterThan(0);
    await eventually('the staging objects to be deleted', async () => ((await stagedKeys(jobId)).length === 0 ? true : undefined), { timeoutMs: 30_000 });
  }, 240_000);

  it('fails a job whose gzip source is truncated, saying so', async () => {
    const { api, messaging, sources, jobIds } = suite;
    const whole = gzipSync(`id,note\n${Array.from({ length: 200 }, (_, index) => `${index + 1},note`).join('\n')}\n`);
    const url = await sources.put('gzip/truncated.csv.gz', whole.subarray(0, whole.length - 12));
    const destinationTopic = await createDestinationTopic(messaging, 'gzip-truncated');
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, 120_000);
    expect(job).toMatchObject({ status: 'Failed', failureReason: { code: 'SOURCE_UNREADABLE' } });
    expect(job.failureReason?.message).toContain(`${url}: gzip data is truncated or corrupt`);
  }, 240_000);

  itChecksEveryJobOfTheFile(suite);

  async function stagedKeys(jobId: string): Promise<string[]> {
    const { pipeline } = suite;
    const listed = await pipeline.s3.send(new ListObjectsV2Command({ Bucket: pipeline.settings.reportsBucket, Prefix: `${jobId}/staging/` }));
    return (listed.Contents ?? []).map((object) => object.Key ?? '');
  }
});
