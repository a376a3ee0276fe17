import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseTenantGrants } from '@import-jobs/application/access/tenant-grants';
import { AccessDeniedError, authorizeDefinition, type ImportDefinition } from '@import-jobs/domain';
import { ImportApiAppModule } from '../../apps/import-api/src/import-api.module';
import { ImportProjectorAppModule } from '../../apps/import-projector/src/import-projector.module';
import { sample } from '../../tools/demo/demo';
import { ImportsApi } from '../pipeline/support/imports-api';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';
import { startSecondWorker, type SecondWorker } from '../pipeline/support/second-worker';
import { putNamedObject } from './support/named-objects';
import { mismatches, parseAnswer, substituted, type Bindings } from './support/answer-pattern';
import { readmeBlocks, readmePath, shellSteps, type ReadmeBlock } from './support/readme-blocks';
import { readerFolder, runShell, type ShellRun } from './support/shell';

/**
 * Every fenced block of README.md names itself (```` ```bash example=<name> ````) and is run here
 * against the service, or skipped here with its reason: a block without a name, or with a name
 * this file does not know, fails. Shell examples run with bash and the real curl and CLI, as a
 * reader pastes them, with only the port and the ids README elides (`3b0c…`, `<id>`) put in; their
 * answers (`# 201 {...}`) are patterns the real answers must match (see answer-pattern.ts).
 *
 * The api runs alone first, so that every job the curl examples start stays `Requested`, as their
 * answers show, and the one asking for an exclusive destination still holds it when the second one
 * asks; the projector and a worker start for the examples that need jobs to finish.
 */
const apiKey = 'readme-example-key';
const readme = readmeBlocks();
const bindings: Bindings = new Map([['<key>', apiKey]]);

let pipeline: PipelineApp;
let api: ImportsApi;
let folder: { path: string; remove: () => Promise<void> };
const processing: { projector?: INestApplicationContext; worker?: SecondWorker } = {};

function block(name: string): ReadmeBlock {
  const found = readme.filter((candidate) => candidate.name === name);
  if (found.length !== 1) throw new Error(`README.md has ${found.length} blocks named example=${name}`);
  return found[0]!;
}

/** README's commands name the default port; the test's app has its own. */
function onThisServer(command: string): string {
  const port = new URL(pipeline.url).port;
  return command.replace(/\b(localhost|127\.0\.0\.1):3000\b/g, `$1:${port}`);
}

function run(command: string, env: Record<string, string> = {}): Promise<ShellRun> {
  return runShell(onThisServer(substituted(command, bindings)), { cwd: folder.path, env: { KEY: apiKey, ...env } });
}

/**
 * Runs each curl command once per answer README shows after it, and checks each answer; the status
 * comes from an added `--write-out`, the one change to a command besides the port and the ids.
 */
async function runCurlExample(name: string): Promise<void> {
  const steps = shellSteps(block(name).text);
  expect(steps.length).toBeGreaterThan(0);
  for (const step of steps) {
    expect(step.command).toMatch(/^curl /);
    if (step.answers.length === 0) throw new Error(`README shows no answer to \`${step.command}\``);
    for (const answer of step.answers) {
      const { code, stdout, stderr } = await run(`${step.command} --write-out '\\n%{http_code}'`);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const body = stdout.slice(0, stdout.lastIndexOf('\n'));
      const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
      expect({ command: step.command, status, body: status === answer.status ? undefined : body }).toEqual({ command: step.command, status: answer.status, body: undefined });
      if (answer.body === undefined) expect(body).toBe('');
      else expect(mismatches(parseAnswer(answer.body), JSON.parse(body), bindings)).toEqual([]);
    }
  }
}

/** The projector and a worker, beside the api, with the same settings: jobs now plan and run. */
async function startProcessing(): Promise<void> {
  processing.projector ??= await NestFactory.createApplicationContext(ImportProjectorAppModule, { abortOnError: false, logger: false });
  processing.worker ??= await startSecondWorker(pipeline);
}

/** `customers.csv` of README's upload: 1 MiB exactly, as its answer says. */
function customersCsv(bytes: number): string {
  const rows = ['id,name'];
  let size = 'id,name\n'.length;
  for (let id = 1; size < bytes - 64; id++) {
    const row = `${id},customer ${id}`;
    rows.push(row);
    size += row.length + 1;
  }
  const last = `0,${'x'.repeat(bytes - size - 3)}`;
  return `${[...rows, last].join('\n')}\n`;
}

/**
 * 37 rows of about 80 bytes, three pieces of 1 KiB, of which `bad` have an id that is not an
 * integer: what README's request body's schema refuses.
 */
function customerRows(first: number, bad: number): string {
  const rows = Array.from({ length: 37 }, (_, index) => `${index < bad ? 'x' : ''}${first + index},customer ${first + index} ${'-'.repeat(64)}`);
  return `${['id,name', ...rows].join('\n')}\n`;
}

/** What the CLI printed: npm first prints the script it runs (`> import-jobs@0.1.0 cli`) and a blank line. */
function cliLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line !== '' && !line.startsWith('> '));
}

/** An event stream as frames, each its `field: value` lines; README's `…` frame, where frames are left out, as 'more'. */
function sseFrames(text: string): Array<Array<[string, string]> | 'more'> {
  return text
    .trim()
    .split(/\n\s*\n/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => (frame.trim() === '\u2026' ? 'more' : frame.split('\n').map((line): [string, string] => {
      const field = /^([a-z]+): (.*)$/.exec(line);
      return field ? [field[1]!, field[2]!] : ['(not a field)', line];
    })));
}

function sseField(frame: ReadonlyArray<[string, string]>, name: string): string | undefined {
  return frame.find(([field]) => field === name)?.[1];
}

const examples: Record<string, { run: () => Promise<void> } | { skip: string }> = {
  'two-commands': { skip: '`npm ci` installs, `npm test` runs every suite, this one among them; `npm start` runs the whole demo, whose printed next steps demo-next-steps.int.spec.ts runs' },
  layout: {
    run: async () => {
      const paths: string[] = [];
      let parent = '';
      for (const line of block('layout').text.split('\n')) {
        const entry = /^( {0,2})([\w.-]+(?:\/[\w.-]+)*\/?)(?: {2,}|$)/.exec(line);
        if (!entry) continue;
        if (entry[1] === '') parent = entry[2]!;
        paths.push(entry[1] === '' ? entry[2]! : `${parent}${entry[2]}`);
      }
      expect(paths.length).toBeGreaterThan(15);
      expect(paths.filter((path) => !existsSync(join(readmePath, '..', path)))).toEqual([]);
    },
  },
  'one-import': {
    run: async () => {
      const folders = block('one-import')
        .text.split('\n')
        .flatMap((line) => /^([\w-]+(?:\/[\w-]+)*)\/ /.exec(line)?.[1] ?? []);
      const where = (folder: string) => (/^(domain|read-model)\b/.test(folder) ? join('libs', folder.replace(/^([\w-]+)/, '$1/src')) : join('libs/application/src', folder));
      expect(folders.length).toBeGreaterThan(8);
      expect(folders.filter((folder) => !existsSync(join(readmePath, '..', where(folder))))).toEqual([]);
    },
  },
  'status-machine': { skip: "a figure, not a command: libs/domain's given/when/then tests prove each transition it draws" },
  'error-shape': {
    run: async () => {
      const { precedingCode } = block('error-shape');
      const shown = JSON.parse(block('error-shape').text) as { requestId: string };
      const response = await fetch(`${pipeline.url}/v1/imports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-request-id': shown.requestId },
        body: precedingCode,
      });

      expect(response.status).toBe(400);
      expect(response.headers.get('x-request-id')).toBe(shown.requestId);
      expect(await response.json()).toEqual(shown);
    },
  },
  'upload-then-import': {
    run: async () => {
      await writeFile(join(folder.path, 'customers.csv'), customersCsv(1_048_576));
      await runCurlExample('upload-then-import');
    },
  },
  'direct-upload': {
    run: async () => {
      const events = Array.from({ length: 20 }, (_, index) => JSON.stringify({ id: index, type: 'signup' })).join('\n');
      await writeFile(join(folder.path, 'events.ndjson.gz'), gzipSync(`${events}\n`));
      await runCurlExample('direct-upload');
    },
  },
  'cancel-and-history': { run: () => runCurlExample('cancel-and-history') },
  'request-body': {
    run: async () => {
      await putNamedObject('imports', '2026/customers.csv', customerRows(1, 1));
      await putNamedObject('imports', '2026/more/customers-2.csv', customerRows(101, 2));
      const { status, body } = await api.requestImport(JSON.parse(block('request-body').text));

      expect({ status, code: body.code }).toEqual({ status: 202, code: undefined });
      bindings.set('<id>', body.id);
      await startProcessing();
      expect(await api.waitUntilFinished(body.id)).toMatchObject({ status: 'Completed', failureReason: null, rows: { processed: 74, failed: 3, imported: 71 }, pieces: { total: 6 } });
    },
  },
  'progress-stream': {
    run: async () => {
      const [prompt, ...output] = block('progress-stream').text.split('\n');
      expect(prompt).toMatch(/^\$ curl /);
      const { code, stdout } = await run(prompt!.slice(2));
      expect(code).toBe(0);

      const actual = sseFrames(stdout) as Array<Array<[string, string]>>;
      const shown = sseFrames(output.join('\n'));
      expect(actual.map((frame) => sseField(frame, 'event'))).toEqual(actual.map(() => 'progress'));
      const ids = actual.map((frame) => Number(sseField(frame, 'id')));
      expect(ids).toEqual(actual.map((_, index) => ids[0]! + index));
      expect(actual.map((frame) => (JSON.parse(sseField(frame, 'data')!) as { version: number }).version)).toEqual(ids);
      // What README shows before its `…` starts the stream; what it shows after ends it.
      const cut = shown.indexOf('more');
      const head = (cut < 0 ? shown : shown.slice(0, cut)) as Array<Array<[string, string]>>;
      const tail = (cut < 0 ? [] : shown.slice(cut + 1)) as Array<Array<[string, string]>>;
      const pairs = [...head.map((frame, index) => [frame, actual[index]!] as const), ...tail.map((frame, index) => [frame, actual[actual.length - tail.length + index]!] as const)];
      for (const [expected, real] of pairs) {
        const data = (frame: ReadonlyArray<[string, string]>) => frame.map(([field, value]) => (field === 'data' ? [field, '(below)'] : [field, value]));
        expect(data(real)).toEqual(data(expected));
        expect(mismatches(parseAnswer(sseField(expected, 'data')!), JSON.parse(sseField(real, 'data')!), bindings)).toEqual([]);
      }
    },
  },
  cli: {
    run: async () => {
      await putNamedObject(sample.bucket, sample.key, await readFile(sample.file));
      await writeFile(join(folder.path, 'schema.json'), JSON.stringify(sample.request.schema));
      await startProcessing();
      const env = { IMPORT_JOBS_URL: pipeline.url, IMPORT_JOBS_API_KEY: apiKey };
      const [start, list, events, ...others] = shellSteps(block('cli').text);
      expect(others).toEqual([]);

      const started = await run(start!.command, env);
      expect({ code: started.code, stderr: started.code === 0 ? '' : started.stderr, note: start!.note }).toEqual({ code: 0, stderr: '', note: 'prints the job id, a progress bar, the outcome' });
      const jobId = cliLines(started.stdout)[0]!;
      bindings.set('<job id>', jobId);
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
      // A full bar on stderr, and the outcome after the id on stdout.
      expect(started.stderr).toMatch(/#{20}.*Completed/);
      expect(cliLines(started.stdout).slice(1).join('\n')).toMatch(new RegExp(`${jobId}.*Completed`));

      const listed = await run(list!.command, env);
      expect(listed.code).toBe(0);
      expect(cliLines(listed.stdout).join('\n')).toMatch(/^no jobs$|^[0-9a-f-]{36} {2}(Processing|Failed)/);

      const history = await run(events!.command, env);
      expect(history.code).toBe(0);
      const types = cliLines(history.stdout).map((line) => line.trim().split(/\s+/)[2]);
      expect([types[0], types.at(-1)]).toEqual(['ImportRequested.v1', 'ImportCompleted.v1']);
    },
  },
  'cli-local-file': {
    run: async () => {
      await writeFile(join(folder.path, 'customers.csv'), await readFile(sample.file));
      await startProcessing();
      const env = { IMPORT_JOBS_URL: pipeline.url, IMPORT_JOBS_API_KEY: apiKey };
      const [start, watch, ...others] = shellSteps(block('cli-local-file').text);
      expect(others).toEqual([]);

      const started = await run(start!.command, env);
      expect({ code: started.code, stderr: started.code === 0 ? '' : started.stderr }).toEqual({ code: 0, stderr: '' });
      const jobId = cliLines(started.stdout)[0]!;
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
      expect(cliLines(started.stdout).slice(1).join('\n')).toMatch(new RegExp(`${jobId}.*Completed`));
      bindings.set('<job id>', jobId);

      const watched = await run(watch!.command, env);
      expect(watched.code).toBe(0);
      expect(cliLines(watched.stdout).join('\n')).toMatch(new RegExp(`${jobId}.*Completed`));
    },
  },
  'tenant-grants': {
    run: async () => {
      const { grants, problems } = parseTenantGrants(block('tenant-grants').text, 'README');
      expect(problems).toEqual([]);
      const acme = grants.get('acme');
      expect(acme?.maxRunningJobs).toBe(5);
      const rules = { reserved: { topicPrefix: 'import-jobs', serviceBuckets: ['import-jobs-uploads', 'import-jobs-reports'] }, grants: acme! };
      const refusal = (url: string, destinationTopic: string) => {
        const definition: ImportDefinition = { jobType: 'RECORDS', format: 'CSV', sources: [{ url, type: 'object' }], destinationTopic, metadata: {}, failurePolicy: { maxFailedRowRatio: 1 } };
        try {
          authorizeDefinition(definition, rules);
          return undefined;
        } catch (error) {
          if (error instanceof AccessDeniedError) return error.code;
          throw error;
        }
      };

      // What the file's comments and the prose after it say it grants.
      expect(refusal('s3://acme-data/2026/any.csv', 'acme.orders')).toBeUndefined();
      expect(refusal('s3://shared-lake/acme/2026/x.csv', 'crm-customers')).toBeUndefined();
      expect(refusal('s3://shared-lake/acme-other/x.csv', 'acme.orders')).toBe('SOURCE_NOT_GRANTED');
      expect(refusal('s3://acme-data/x.csv', 'crm-customers-eu')).toBe('DESTINATION_NOT_GRANTED');
    },
  },
  bench: { skip: 'minutes to hours of measuring (`--quick` alone takes about 2 minutes); CI runs `npm run bench -- --smoke` to prove it runs' },
  'docker-compose': {
    skip: 'no Docker engine here; test/ops/compose.unit.spec.ts checks docker-compose.yml: its services, ports and every app setting against the configuration',
  },
};

describe("README's examples, run against the service", () => {
  beforeAll(async () => {
    pipeline = await startPipelineApp({ pieceSizeBytes: 1024, module: ImportApiAppModule, apiKeys: `readme:${createHash('sha256').update(apiKey).digest('hex')}` });
    api = new ImportsApi(pipeline.url, pipeline.log).as(`Bearer ${apiKey}`);
    folder = await readerFolder();
  });

  afterAll(async () => {
    await processing.worker?.app.close();
    await processing.projector?.close();
    await pipeline?.app.close();
    await folder?.remove();
  });

  it('names every fenced block, each run or skipped below, and no example twice', () => {
    expect(readme.filter((candidate) => candidate.name === undefined).map((candidate) => `README.md:${candidate.line} is not named`)).toEqual([]);
    const names = readme.map((candidate) => candidate.name!);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect([...names].sort()).toEqual(Object.keys(examples).sort());
  });

  for (const [name, example] of Object.entries(examples)) {
    if ('skip' in example) it.skip(`${name}: ${example.skip}`, () => undefined);
    else it(name, example.run, 240_000);
  }
});
