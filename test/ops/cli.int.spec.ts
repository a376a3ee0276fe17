import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { JobResource } from '@import-jobs/client';
import type { Messaging } from '@import-jobs/messaging';
import { runCli } from '../../tools/cli/import-jobs';
import { freeLoopbackPorts } from '../../tools/stack/free-port';
import { eventually } from '../pipeline/support/deadline';
import { peopleFile, peopleSchema } from '../pipeline/support/fixture-files';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';
import { SourceBucket } from '../pipeline/support/source-bucket';
import { createDestinationTopic, testMessaging } from '../pipeline/support/topics';
import { StreamCuttingProxy } from './support/stream-cutting-proxy';

const apiKey = 'cli-test-key';

/** One run of the CLI in this process, with what it wrote and its exit code. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return running(pipeline.url, ...argv).result;
}

/** A run of the CLI against `url`, its output readable while it runs. */
function running(url: string, ...argv: string[]): { result: Promise<{ code: number; stdout: string; stderr: string }>; stderr: Captured } {
  const stdout = new Captured();
  const stderr = new Captured();
  const result = runCli(['--url', url, '--api-key', apiKey, ...argv], { stdout, stderr, env: {} }).then((code) => ({ code, stdout: stdout.text, stderr: stderr.text }));
  return { result, stderr };
}

/** An upload made with the API itself, as another tool would: its id. */
async function uploadThroughApi(filename: string, body: string): Promise<string> {
  const headers = { authorization: `Bearer ${apiKey}` };
  const started = await fetch(`${pipeline.url}/v1/uploads`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ filename }) });
  const { uploadId } = (await started.json()) as { uploadId: string };
  const sent = await fetch(`${pipeline.url}/v1/uploads/${uploadId}/content`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/csv' }, body });
  expect(sent.status).toBe(200);
  return uploadId;
}

class Captured extends Writable {
  text = '';

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

let pipeline: PipelineApp;
let sources: SourceBucket;
let messaging: Messaging;
let scratch: string;
let schemaFile: string;

describe('the import-jobs CLI, against a running app', () => {
  let jobId: string;
  const file = peopleFile(90);

  beforeAll(async () => {
    pipeline = await startPipelineApp({ pieceSizeBytes: 1024, apiKeys: `cli-tenant:${createHash('sha256').update(apiKey).digest('hex')}` });
    sources = await SourceBucket.create();
    messaging = testMessaging(pipeline.log);
    scratch = await mkdtemp(join(tmpdir(), 'import-jobs-cli-'));
    schemaFile = join(scratch, 'schema.json');
    await writeFile(schemaFile, JSON.stringify(peopleSchema));
  });

  afterAll(async () => {
    await messaging?.close();
    sources?.close();
    await pipeline?.app.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('starts an import and watches it to the end, drawing its progress', async () => {
    const url = await sources.put('people.csv', file.body);
    const destination = await createDestinationTopic(messaging, 'cli');

    const run = await cli('start', '--source', url, '--destination', destination, '--key-field', 'id', '--schema', schemaFile, '--watch', '--interval', '100');

    expect(run.stderr).not.toMatch(/import-jobs:/);
    expect(run.code).toBe(0);
    jobId = run.stdout.split('\n')[0]!;
    expect(run.stdout).toContain(`Job ${jobId}: Completed`);
    expect(run.stdout).toContain(`${file.rows.length} read, ${file.valid.length} imported, ${file.invalid.length} rejected`);
    // Not a terminal here: one line per change, the last one full.
    const bars = run.stderr.trim().split('\n');
    expect(bars.length).toBeGreaterThan(1);
    expect(bars.at(-1)).toMatch(/^\[#{30}\] (\d+)\/\1 pieces {2}90 rows \(\d+ rejected\) {2}Completed$/);
  });

  it('shows the status, the list and the events of that job', async () => {
    const status = await cli('--json', 'status', jobId);
    const list = await cli('list', '--status', 'Completed');
    const events = await cli('events', jobId);

    expect(JSON.parse(status.stdout)).toMatchObject({ id: jobId, status: 'Completed', rows: { processed: file.rows.length } });
    expect(list.stdout).toMatch(new RegExp(`^${jobId} {2}Completed`, 'm'));
    const types = events.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)[2]);
    expect(types[0]).toBe('ImportRequested.v1');
    expect(types.at(-1)).toBe('ImportCompleted.v1');
  });

  it('says why the API refused, with a failing exit code', async () => {
    const cancel = await cli('cancel', jobId);
    const unauthorised = await runCli(['--url', pipeline.url, 'status', jobId], { stdout: new Captured(), stderr: new Captured(), env: {} });

    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/^import-jobs: 409 JOB_ALREADY_FINISHED: /);
    expect(unauthorised).toBe(6);
  });

  it('uploads a local CSV file, drawing the bytes sent, and follows the job over its progress stream to Completed', async () => {
    const path = join(scratch, 'customers.csv');
    await writeFile(path, file.body);
    const destination = await createDestinationTopic(messaging, 'cli-upload');

    const run = await cli('start', path, '--destination', destination, '--key-field', 'id', '--schema', schemaFile, '--watch', '--interval', '100');

    expect(run.stderr).not.toMatch(/import-jobs:/);
    expect(run.code).toBe(0);
    const uploadedJob = run.stdout.split('\n')[0]!;
    expect(run.stdout).toContain(`Job ${uploadedJob}: Completed`);
    expect(run.stdout).toContain(`${file.rows.length} read, ${file.valid.length} imported, ${file.invalid.length} rejected`);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^customers\.csv {2}\[-{30}\] {2}0 B of \d+\.\d KiB {2}0%$/);
    expect(lines).toContainEqual(expect.stringMatching(/^customers\.csv {2}\[#{30}\] {2}(\d+\.\d KiB) of \1 {2}100%$/));
    expect(lines.at(-1)).toMatch(/^\[#{30}\] (\d+)\/\1 pieces {2}90 rows \(\d+ rejected\) {2}Completed$/);
    expect(JSON.parse((await cli('--json', 'status', uploadedJob)).stdout)).toMatchObject({ filename: 'customers.csv' });
  });

  it('sends a .gz file as it is, for the service to inflate, and watches its job by id', async () => {
    const path = join(scratch, 'people.csv.gz');
    await writeFile(path, gzipSync(file.body));
    const destination = await createDestinationTopic(messaging, 'cli-gzip');

    const started = await cli('start', path, '-d', destination, '-k', 'id', '--schema', schemaFile);
    const gzippedJob = started.stdout.trim();
    const watched = await cli('watch', gzippedJob, '--interval', '100');

    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/^people\.csv\.gz {2}\[#{30}\] .* 100%$/m);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`Job ${gzippedJob}: Completed`);
    expect(watched.stdout).toContain(`${file.rows.length} read, ${file.valid.length} imported, ${file.invalid.length} rejected`);
    expect(JSON.parse((await cli('--json', 'status', gzippedJob)).stdout)).toMatchObject({ filename: 'people.csv.gz' });
  });

  it('starts a job for each local file and each upload id, and follows each to its end', async () => {
    const csvPath = join(scratch, 'batch.csv');
    const ndjsonPath = join(scratch, 'batch.ndjson');
    await writeFile(csvPath, file.body);
    await writeFile(ndjsonPath, file.valid.map((row) => JSON.stringify(row.expect.record)).join('\n'));
    const uploadId = await uploadThroughApi('sent-before.csv', file.body);
    const destination = await createDestinationTopic(messaging, 'cli-batch');

    const run = await cli('start', csvPath, ndjsonPath, '--upload-id', uploadId, '-d', destination, '-k', 'id', '--watch', '--interval', '100');

    expect(run.stderr).not.toMatch(/import-jobs:/);
    expect(run.code).toBe(0);
    const jobIds = run.stdout.split('\n').slice(0, 3);
    const statuses = await Promise.all(jobIds.map(async (id) => JSON.parse((await cli('--json', 'status', id)).stdout) as JobResource));
    expect(statuses.map(({ filename, status, definition }) => [filename, status, definition.format])).toEqual([
      ['batch.csv', 'Completed', 'CSV'],
      ['batch.ndjson', 'Completed', 'JSON'],
      ['sent-before.csv', 'Completed', 'CSV'],
    ]);
    expect(statuses.map(({ rows }) => rows.processed)).toEqual([file.rows.length, file.valid.length, file.rows.length]);
    for (const id of jobIds) expect(run.stdout).toContain(`Job ${id}: Completed`);
  });

  it('resumes a dropped progress stream after the last version it had, and still ends with the job', async () => {
    const proxy = await StreamCuttingProxy.start(pipeline.url);
    try {
      const path = join(scratch, 'resumed.csv');
      await writeFile(path, file.body);
      const destination = await createDestinationTopic(messaging, 'cli-resume');

      const run = running(proxy.url, 'start', path, '-d', destination, '-k', 'id', '--schema', schemaFile, '--watch', '--interval', '100');
      const ended = run.result.then((early) => {
        throw new Error(`the CLI ended before its stream was held: ${early.stderr}`);
      });
      const heldAfter = await Promise.race([proxy.holding, ended]);
      await eventually('the CLI to draw the version the proxy forwarded', async () => (/ pieces {2}\d+ rows/.test(run.stderr.text) ? true : undefined));
      proxy.cutHeldStream();
      const { code, stdout, stderr } = await run.result;

      expect(stderr).not.toMatch(/import-jobs:/);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Job \S+: Completed$/m);
      expect(stderr).toContain(`reconnecting after version ${heldAfter}`);
      expect(stderr.trim().split('\n').at(-1)).toMatch(/^\[#{30}\] (\d+)\/\1 pieces {2}90 rows \(\d+ rejected\) {2}Completed$/);
      expect(proxy.progressRequests.map((headers) => headers['last-event-id'])).toEqual([undefined, heldAfter]);
    } finally {
      await proxy.stop();
    }
  });

  it('exits with the code for Failed when the job fails', async () => {
    const path = join(scratch, 'strict.csv');
    await writeFile(path, file.body);
    const destination = await createDestinationTopic(messaging, 'cli-failed');

    const run = await cli('start', path, '-d', destination, '-k', 'id', '--schema', schemaFile, '--max-failed-row-ratio', '0', '--watch', '--interval', '100');

    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^Job \S+: Failed$/m);
    expect(run.stdout).toContain('reason  TOO_MANY_FAILED_ROWS');
  });

  it('tells a usage error and an API out of reach apart by the exit code', async () => {
    const notes = join(scratch, 'notes.txt');
    await writeFile(notes, 'id\n1\n');
    const [closedPort] = await freeLoopbackPorts(1);

    const missing = await cli('start', join(scratch, 'missing.csv'), '-d', 'anywhere');
    const unknownFormat = await cli('start', notes, '-d', 'anywhere');
    const unknownOption = await cli('start', '--no-such-option');
    const unreachable = await runCli(['--url', `http://127.0.0.1:${closedPort}`, 'status', 'some-job'], { stdout: new Captured(), stderr: new Captured(), env: {} });

    expect([missing.code, unknownFormat.code, unknownOption.code]).toEqual([2, 2, 2]);
    expect(missing.stderr).toContain('missing.csv: no such file');
    expect(unknownFormat.stderr).toContain('cannot tell the format of notes.txt from its name');
    expect(unreachable).toBe(5);
  });

  it('lists its exit codes in --help', async () => {
    const help = await cli('--help');
    const startHelp = await cli('start', '--help');

    expect(help.code).toBe(0);
    for (const text of [help.stdout, startHelp.stdout]) {
      expect(text).toMatch(/^Exit codes:$/m);
      for (const [code, meaning] of [
        [0, /Completed/],
        [1, /refused/],
        [2, /usage/],
        [3, /Failed/],
        [4, /Cancelled/],
        [5, /reached/],
        [6, /key/],
      ] as const) {
        expect(text).toMatch(new RegExp(`^ +${code} +.*${meaning.source}`, 'm'));
      }
    }
  });

  it('runs as a command of its own, configured from the environment', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '../../tools/cli/bin.js'), 'status', jobId], {
      env: { ...process.env, IMPORT_JOBS_URL: pipeline.url, IMPORT_JOBS_API_KEY: apiKey },
    });

    expect(stdout).toContain(`Job ${jobId}: Completed`);
  });
});
