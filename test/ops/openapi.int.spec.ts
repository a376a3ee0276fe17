import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ImportsApi } from '../pipeline/support/imports-api';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';
import { SourceBucket } from '../pipeline/support/source-bucket';

/**
 * Every route Fastify serves, as `METHOD /path/{param}`, from its route tree: routes that Nest
 * maps and routes registered on Fastify directly alike. HEAD is Fastify's automatic twin of GET.
 */
function servedRoutes(fastify: FastifyInstance): string[] {
  const parents: string[] = [];
  const routes: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = `${parents[depth - 1] ?? ''}${match[2]}`;
    parents[depth] = path;
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes.sort();
}

function documentedRoutes(document: OpenAPIObject): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  let pipeline: PipelineApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    pipeline = await startPipelineApp({ pieceSizeBytes: 4096 });
    const response = await fetch(`${pipeline.url}/docs/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenAPIObject;
  });

  afterAll(async () => pipeline?.app.close());

  it('is valid OpenAPI 3.1', async () => {
    // The validator is an ES module, which jest's CommonJS runtime cannot load: its own command runs it.
    const file = join(await mkdtemp(join(tmpdir(), 'import-jobs-openapi-')), 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const validator = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const run = await promisify(execFile)(process.execPath, [validator, file]).catch((failure: { stdout: string }) => failure);
    await rm(dirname(file), { recursive: true, force: true });

    expect(JSON.parse(run.stdout)).toEqual({ valid: true });
    expect(document.openapi).toBe('3.1.0');
  });

  it('lists every route the app serves', () => {
    const fastify = (pipeline.app as INestApplication).getHttpAdapter().getInstance() as FastifyInstance;
    // The documentation's own pages and the status page's files are not API operations.
    const served = servedRoutes(fastify).filter((route) => !/^GET \/(docs|ui)(\/|$)/.test(route));

    expect(served).toContain('GET /v1/imports/{jobId}');
    expect(served.filter((route) => !documentedRoutes(document).includes(route))).toEqual([]);
  });

  it('serves the Swagger UI', async () => {
    const page = await fetch(`${pipeline.url}/docs`);

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
  });

  it('describes the answers the API really gives: a job, a page, a history, an error, a probe', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'api', components: document.components }, 'api');
    const check = (schema: string, body: unknown) => {
      const validate = ajv.getSchema(`api#/components/schemas/${schema}`)!;
      expect(validate(body) ? [] : validate.errors).toEqual([]);
    };
    const api = new ImportsApi(pipeline.url, pipeline.log);
    const sources = await SourceBucket.create();
    try {
      // A job that fails at once (its object is missing), so that the nullable fields are filled.
      const jobId = await api.startImport({ sources: [{ url: sources.url('missing.csv'), type: 'object' }], format: 'CSV', destinationTopic: 'openapi.unused' });
      const job = await api.waitUntilFinished(jobId);

      expect(job.failureReason).not.toBeNull();
      check('ImportJob', job);
      check('ImportJobPage', (await api.listJobs()).body);
      check('JobHistory', (await api.history(jobId)).body);
      check('ErrorBody', (await api.getJob('no-such-job')).body);
      check('HealthCheck', await (await fetch(`${pipeline.url}/health/ready`)).json());
    } finally {
      sources.close();
    }
  });

  it('names the error answers of the routes it documents in the one error shape', () => {
    const getJob = document.paths['/v1/imports/{jobId}']!.get!;

    expect(getJob.responses['404']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } });
    expect(getJob.security).toEqual([{ apiKey: [] }]);
    expect(document.paths['/health/ready']!.get!.security).toBeUndefined();
  });
});
