import { readFile } from 'node:fs/promises';
import { nextSteps, sample } from '../../tools/demo/demo';
import { ImportsApi } from '../pipeline/support/imports-api';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';
import { putNamedObject } from './support/named-objects';
import { readerFolder, runShell } from './support/shell';

/**
 * What `npm start` prints once its sample import has finished, "Where to look next", run as a
 * reader would: each command with bash, each address fetched. The app is the demo's: open (no API
 * key), and the sample imported with the demo's own request. Running the demo itself would start a
 * stack of its own, minutes on this machine; its steps are the same function's lines.
 */
describe('the next steps `npm start` prints', () => {
  let pipeline: PipelineApp;
  let folder: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    pipeline = await startPipelineApp({ pieceSizeBytes: 1024 });
    folder = await readerFolder();
  });

  afterAll(async () => {
    await pipeline?.app.close();
    await folder?.remove();
  });

  it('are commands that work and addresses that answer, for the sample job', async () => {
    const api = new ImportsApi(pipeline.url, pipeline.log);
    await putNamedObject(sample.bucket, sample.key, await readFile(sample.file));
    const job = await api.waitUntilFinished(await api.startImport(sample.request));
    expect(job).toMatchObject({ status: 'Completed', rows: { failed: 3 } });
    expect(job.failedRecordReport).toEqual(expect.any(String));

    const steps = nextSteps(pipeline.url, job);
    const commands = steps.filter((line) => /^(curl|npm) /.test(line));
    const addresses = steps.filter((line) => !commands.includes(line)).flatMap((line) => line.match(/https?:\/\/\S+?(?=[,\s]|$)/g) ?? []);
    // Every line is one or the other: a line of prose alone would be no step at all.
    expect(steps.filter((line) => !commands.includes(line) && !/https?:\/\//.test(line))).toEqual([]);
    expect(commands).toHaveLength(3);
    expect(addresses.length).toBeGreaterThanOrEqual(4);

    for (const command of commands) {
      const run = await runShell(command, { cwd: folder.path, env: {} });
      expect({ command, code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ command, code: 0, stderr: '' });
      expect(run.stdout).toContain(command.startsWith('curl') && command.endsWith('/v1/imports') ? `"jobs":[` : job.id);
    }
    for (const address of addresses) {
      const response = await fetch(address);
      expect({ address, status: response.status }).toEqual({ address, status: 200 });
    }
  }, 180_000);
});
