import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { Messaging } from '@import-jobs/messaging';
import { runCli } from '../../tools/cli/import-jobs';
import { peopleFile, peopleSchema } from '../pipeline/support/fixture-files';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';
import { SourceBucket } from '../pipeline/support/source-bucket';
import { createDestinationTopic, testMessaging } from '../pipeline/support/topics';

const apiKey = 'cli-test-key';

/** One run of the CLI in this process, with what it wrote and its exit code. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Captured();
  const stderr = new Captured();
  const code = await runCli(['--url', pipeline.url, '--api-key', apiKey, ...argv], { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
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

describe('the import-jobs CLI, against a running app', () => {
  let jobId: string;
  const file = peopleFile(90);

  beforeAll(async () => {
    pipeline = await startPipelineApp({ pieceSizeBytes: 1024, apiKeys: `cli-tenant:${createHash('sha256').update(apiKey).digest('hex')}` });
    sources = await SourceBucket.create();
    messaging = testMessaging(pipeline.log);
    scratch = await mkdtemp(join(tmpdir(), 'import-jobs-cli-'));
  });

  afterAll(async () => {
    await messaging?.close();
    sources?.close();
    await pipeline?.app.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('starts an import and watches it to the end, drawing its progress', async () => {
    const url = await sources.put('people.csv', file.body);
    const schemaFile = join(scratch, 'schema.json');
    await writeFile(schemaFile, JSON.stringify(peopleSchema));
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
    expect(unauthorised).toBe(1);
  });

  it('runs as a command of its own, configured from the environment', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '../../tools/cli/bin.js'), 'status', jobId], {
      env: { ...process.env, IMPORT_JOBS_URL: pipeline.url, IMPORT_JOBS_API_KEY: apiKey },
    });

    expect(stdout).toContain(`Job ${jobId}: Completed`);
  });
});
