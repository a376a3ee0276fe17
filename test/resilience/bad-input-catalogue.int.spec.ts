import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { CommandRejected } from '@import-jobs/application/command-topic/command-messages';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { SERVICE_CONFIG } from '@import-jobs/application/di-tokens';
import { jobIdFor } from '@import-jobs/application/request-import/request-import.handler';
import type { CsvOptions } from '@import-jobs/domain';
import { importJobStreamId } from '@import-jobs/domain';
import { maxQuotedValueBytes } from '@import-jobs/messaging';
import type { JobResource } from '@import-jobs/read-model';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { itChecksEveryJobOfTheFile, usePipelineSuite, type PipelineSuite } from '../pipeline/support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow, TopicReader } from '../pipeline/support/topics';
import { ApiAndProjectorModule, killAll, startChildWorker } from './support/resilience-app';

/**
 * Every kind of bad input a caller can send, one row each, with what the service must make of it.
 * The worker runs as a process of its own, so that a case that crashed it would show: after every
 * case the worker must still be running and the api answering, and a good job must still complete
 * at the end.
 */

type Input =
  /** An object put in the source bucket under `key`, then imported. */
  | { readonly object: { readonly key: string; readonly body: string | Uint8Array; readonly format?: 'CSV' | 'JSON'; readonly schema?: object; readonly csv?: CsvOptions } }
  /** An object that is not in the source bucket, imported. */
  | { readonly missingObject: string }
  /** A `POST /v1/imports` with this raw body. */
  | { readonly http: string }
  /** A value on the command topic. */
  | { readonly command: string }
  /** The same RequestImport sent twice on the command topic. */
  | { readonly replayedCommand: true };

type Expected =
  /** The job completes, counting these rows; each listed failure names its line and a part of its reason. */
  | { readonly completes: { readonly processed: number; readonly failed: number; readonly failures?: ReadonlyArray<{ line: number; reason: string | RegExp }> } }
  /** The job fails, for this reason. */
  | { readonly jobFails: { readonly code: string; readonly reason: string | RegExp } }
  /** The request is refused with this 4xx status, its message holding this. */
  | { readonly refused: { readonly status: number; readonly message: string | RegExp } }
  /** The command is answered with a CommandRejected holding this in its reason. */
  | { readonly rejected: { readonly reason: string | RegExp } }
  /** Sent twice, it is one job, requested once, which completes. */
  | { readonly oneJob: true };

interface CatalogueCase {
  readonly name: string;
  readonly input: Input;
  readonly expected: Expected;
  /** Further checks of the finished job. */
  readonly also?: (job: JobResource, suite: PipelineSuite) => Promise<void>;
}

const csv = (...lines: string[]) => lines.join('\n');
const idSchema = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } };
const fiftyMegabytes = 50 * 1024 * 1024;
const formula = "=cmd|' /C calc'!A0";

const catalogue: readonly CatalogueCase[] = [
  // ── CSV shape ──
  { name: 'an empty file', input: { object: { key: 'empty.csv', body: '' } }, expected: { completes: { processed: 0, failed: 0 } } },
  { name: 'a header and no rows', input: { object: { key: 'header-only.csv', body: 'id,name\n' } }, expected: { completes: { processed: 0, failed: 0 } } },
  { name: 'a byte order mark before the header', input: { object: { key: 'bom.csv', body: '\uFEFFid,name\n1,a\n2,b\n', schema: idSchema } }, expected: { completes: { processed: 2, failed: 0 } } },
  { name: 'CRLF line ends', input: { object: { key: 'crlf.csv', body: 'id,name\r\n1,a\r\n2,b\r\n' } }, expected: { completes: { processed: 2, failed: 0 } } },
  { name: 'mixed line ends (LF, CRLF, CR)', input: { object: { key: 'mixed.csv', body: 'id,name\n1,a\r\n2,b\r3,c\n' } }, expected: { completes: { processed: 3, failed: 0 } } },
  {
    name: 'quoted line breaks: later rows keep their own line numbers',
    input: { object: { key: 'quoted.csv', body: csv('id,note', '1,"two\nlines"', '2,"three\r\nline\nnote"', '3,"x', '', 'y"', 'oops,z'), schema: idSchema } },
    expected: { completes: { processed: 4, failed: 1, failures: [{ line: 10, reason: '/id: must be integer' }] } },
  },
  {
    name: 'an unterminated quote at the end of the file',
    input: { object: { key: 'unterminated.csv', body: 'id,name\n1,a\n2,"never closed\n3,c\n' } },
    expected: { completes: { processed: 2, failed: 1, failures: [{ line: 3, reason: /quote/i }] } },
  },
  {
    name: 'a ragged row with too few fields',
    input: { object: { key: 'few.csv', body: 'id,name,city\n1,a,x\n2,b\n' } },
    expected: { completes: { processed: 2, failed: 1, failures: [{ line: 3, reason: 'expected 3 fields as in the header, found 2' }] } },
  },
  {
    name: 'a ragged row with too many fields',
    input: { object: { key: 'many.csv', body: 'id,name\n1,a\n2,b,surplus\n' } },
    expected: { completes: { processed: 2, failed: 1, failures: [{ line: 3, reason: 'expected 2 fields as in the header, found 3' }] } },
  },
  { name: 'duplicate header names', input: { object: { key: 'dup-header.csv', body: 'id,name,id\n1,a,2\n' } }, expected: { jobFails: { code: 'SOURCE_UNREADABLE', reason: /header.*"id"/i } } },
  { name: 'an empty header name', input: { object: { key: 'empty-header.csv', body: 'id,,name\n1,a,b\n' } }, expected: { jobFails: { code: 'SOURCE_UNREADABLE', reason: /header/i } } },
  {
    name: 'invalid UTF-8 in a row of a file declared UTF-8',
    input: { object: { key: 'bad-utf8.csv', body: Buffer.concat([Buffer.from('id,name\n1,a\n2,'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n3,c\n')]), csv: { encoding: 'utf-8' } } },
    expected: { completes: { processed: 3, failed: 1, failures: [{ line: 3, reason: /UTF-8/i }] } },
  },
  {
    name: 'a corrupt byte in a UTF-8 file whose other characters are UTF-8: still read as UTF-8, never as Latin-1 mojibake',
    input: { object: { key: 'mostly-utf8.csv', body: Buffer.concat([Buffer.from('id,name\n1,Zoë\n2,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n3,Jürgen\n')]) } },
    expected: { completes: { processed: 3, failed: 1, failures: [{ line: 3, reason: /UTF-8/i }] } },
  },
  {
    name: 'a single 50 MB line: a row failure, read in bounded memory',
    input: { object: { key: 'long-line.csv', body: `id,blob\n1,a\n2,${'x'.repeat(fiftyMegabytes)}\n3,c\n` } },
    expected: { completes: { processed: 3, failed: 1, failures: [{ line: 3, reason: /bytes/ }] } },
  },
  {
    name: 'a record larger than the destination takes (its JSON doubles every backslash)',
    input: { object: { key: 'large-record.csv', body: `id,path\n1,a\n2,${'\\'.repeat(600_000)}\n` } },
    expected: { completes: { processed: 2, failed: 1, failures: [{ line: 3, reason: /more than the \d+ a destination topic accepts/ }] } },
  },
  {
    name: 'a .csv that is binary',
    input: { object: { key: 'picture.csv', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0x0a, 1, 2, 3, 0x0a]) } },
    expected: { jobFails: { code: 'SOURCE_UNREADABLE', reason: /header|UTF-8/i } },
  },
  {
    name: 'a truncated gzip file',
    input: { object: { key: 'truncated.csv.gz', body: gzipSync(Buffer.from(`id,name\n${Array.from({ length: 2000 }, (_, n) => `${n},name ${n}`).join('\n')}\n`)).subarray(0, 3000) } },
    // Found while the planner stages it, before any piece: the job fails with the file named.
    expected: { jobFails: { code: 'SOURCE_UNREADABLE', reason: /truncated\.csv\.gz: gzip data is truncated or corrupt/ } },
  },
  {
    name: 'CSV formula injection in a bad row: neutralised in the failure report',
    input: { object: { key: 'formula.csv', body: `id,name\n1,a\n${formula},b\n`, schema: idSchema } },
    expected: { completes: { processed: 2, failed: 1, failures: [{ line: 3, reason: '/id: must be integer' }] } },
    also: async (job, suite) => {
      const report = await readReport(suite, job);
      expect(report).toContain(`'${formula.replaceAll('"', '""')}`);
      expect(report).not.toMatch(/(^|,|")=cmd/m);
    },
  },
  // ── NDJSON ──
  {
    name: 'an NDJSON line that is not an object',
    input: { object: { key: 'not-object.ndjson', format: 'JSON', body: '{"id":1}\n[1,2]\n42\n"text"\n{"id":2}\n' } },
    expected: { completes: { processed: 5, failed: 3, failures: [{ line: 2, reason: /object/ }, { line: 3, reason: /object/ }, { line: 4, reason: /object/ }] } },
  },
  {
    name: 'trailing garbage after the JSON of a line',
    input: { object: { key: 'garbage.ndjson', format: 'JSON', body: '{"id":1}\n{"id":2} trailing\n{"id":3}}\n' } },
    expected: { completes: { processed: 3, failed: 2, failures: [{ line: 2, reason: /JSON/ }, { line: 3, reason: /JSON/ }] } },
  },
  {
    name: 'NDJSON with a byte order mark, blank lines and CRLF',
    input: { object: { key: 'bom.ndjson', format: 'JSON', body: '\uFEFF{"id":1}\r\n\r\n{"id":2}\r\n' } },
    expected: { completes: { processed: 2, failed: 0 } },
  },
  {
    name: 'a __proto__ key in an NDJSON record: imported as data, nothing polluted',
    input: { object: { key: 'proto.ndjson', format: 'JSON', body: '{"id":1,"__proto__":{"polluted":true}}\n' } },
    expected: { completes: { processed: 1, failed: 0 } },
    also: async () => expect(({} as Record<string, unknown>).polluted).toBeUndefined(),
  },
  {
    name: "JSON parsers' edge cases, one a line: every line a record or a row failure, nothing stored that the event store refuses",
    input: {
      object: {
        key: 'edge-cases.ndjson',
        format: 'JSON',
        body: [
          '{"id":1,"text":"an escaped \\u0000 NUL"}',
          '{"id":2,"text":"a lone \\ud800 surrogate and a reversed \\udc00\\ud800 pair"}',
          '{"id":3,"text":"a raw \u0000 NUL byte"}',
          `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
          `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
          '{"id":12345678901234567890}',
          '{"id":4,"id":5}',
          '{"id":6,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
          '{"id":',
          '{"id":7,"text":"\u2028 and \u2029, é, 😀"}',
        ].join('\n'),
      },
    },
    expected: {
      completes: {
        processed: 10,
        failed: 5,
        failures: [
          { line: 3, reason: /JSON|control character/i },
          { line: 4, reason: /nested deeper|object/ },
          { line: 5, reason: /nested deeper/ },
          { line: 6, reason: /string/ },
          { line: 9, reason: /JSON/ },
        ],
      },
    },
    also: async () => expect(({} as Record<string, unknown>).polluted).toBeUndefined(),
  },
  {
    name: 'a schema pattern with catastrophic backtracking against a 50,000-character value: checked in linear time',
    input: {
      object: {
        key: 'redos.ndjson',
        format: 'JSON',
        body: `{"id":1,"p":"${'a'.repeat(50_000)}!"}\n{"id":2,"p":"${'a'.repeat(50_000)}"}\n`,
        schema: { type: 'object', properties: { p: { type: 'string', pattern: '^(a+)+$' } } },
      },
    },
    expected: { completes: { processed: 2, failed: 1, failures: [{ line: 1, reason: /pattern/ }] } },
  },
  {
    name: 'a NUL in a CSV header name (a UTF-16 file read as UTF-8): the job fails with the reason',
    input: { object: { key: 'nul-header.csv', body: 'id,na\u0000me\n1,a\n' } },
    expected: { jobFails: { code: 'SOURCE_UNREADABLE', reason: /NUL|U\+0000/ } },
  },
  {
    name: 'a CSV header of 1 MiB, which every work item would carry: the job fails with the reason',
    input: { object: { key: 'wide-header.csv', body: `id,${Array.from({ length: 100_000 }, (_, n) => `column_${n}`).join(',')}\n1\n` } },
    expected: { jobFails: { code: 'SOURCE_UNREADABLE', reason: /header/i } },
  },
  {
    name: 'a request naming a topic of Kafka as its destination',
    input: { http: JSON.stringify({ sources: [{ url: 's3://bucket/a.csv', type: 'object' }], format: 'CSV', destinationTopic: '__consumer_offsets' }) },
    expected: { refused: { status: 403, message: /RESERVED_TOPIC/ } },
  },
  {
    name: 'a request whose keyField and metadata are far too long',
    input: { http: JSON.stringify({ sources: [{ url: 's3://bucket/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 't', keyField: 'k'.repeat(1_000_000), metadata: { ['m'.repeat(10_000)]: 'v' } }) },
    expected: { refused: { status: 400, message: /keyField.*metadata|metadata.*keyField/ } },
  },
  {
    name: 'a command of 900 KB: rejected, its rejection quoting a bounded part of it',
    input: { command: JSON.stringify({ type: 'RequestImport', version: 1, sources: [{ url: 's3://bucket/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 't'.repeat(900_000) }) },
    expected: { rejected: { reason: /destinationTopic/ } },
  },
  // ── S3 keys ──
  {
    name: 'an S3 key with ../ in it: refused, since a proxy on the way could resolve it out of a granted prefix',
    input: { http: JSON.stringify({ sources: [{ url: 's3://bucket/a/../b/dots.csv', type: 'object' }], format: 'CSV', destinationTopic: 't' }) },
    expected: { refused: { status: 400, message: /sources\[0\]\.url.*"\.\."/ } },
  },
  { name: 'an S3 key in unicode, with spaces', input: { object: { key: 'données/été 😀 №1.csv', body: 'id\n1\n' } }, expected: { completes: { processed: 1, failed: 0 } } },
  // ── HTTP requests ──
  { name: 'a request body that is not JSON', input: { http: '{"sources": [' }, expected: { refused: { status: 400, message: /JSON/i } } },
  { name: 'a request without a destination topic', input: { http: JSON.stringify({ sources: [{ url: 's3://bucket/a.csv', type: 'object' }], format: 'CSV' }) }, expected: { refused: { status: 400, message: /destinationTopic/ } } },
  { name: 'a request for an unknown format', input: { http: JSON.stringify({ sources: [{ url: 's3://bucket/a.csv', type: 'object' }], format: 'XML', destinationTopic: 't' }) }, expected: { refused: { status: 400, message: /format/ } } },
  {
    name: 'a request whose row schema does not compile',
    input: { http: JSON.stringify({ sources: [{ url: 's3://bucket/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 't', schema: { type: 'no-such-type' } }) },
    expected: { refused: { status: 400, message: /schema/ } },
  },
  {
    name: 'a source URL that is not s3://',
    input: { http: JSON.stringify({ sources: [{ url: 'file:///etc/passwd', type: 'object' }], format: 'CSV', destinationTopic: 't' }) },
    expected: { refused: { status: 400, message: /sources\[0\]\.url|s3:\/\// } },
  },
  // ── The command topic ──
  { name: 'a command that is not JSON', input: { command: 'this is not json {' }, expected: { rejected: { reason: /JSON/i } } },
  { name: 'a command of an unknown version', input: { command: JSON.stringify({ type: 'RequestImport', version: 99, sources: [], format: 'CSV', destinationTopic: 't' }) }, expected: { rejected: { reason: /version/i } } },
  { name: 'a command of an unknown type', input: { command: JSON.stringify({ type: 'DropAllTables', version: 1 }) }, expected: { rejected: { reason: /DropAllTables|type/i } } },
  { name: 'a RequestImport replayed twice', input: { replayedCommand: true }, expected: { oneJob: true } },
  // ── Sources that are not there ──
  { name: 'an object that does not exist', input: { missingObject: 'missing.csv' }, expected: { jobFails: { code: 'SOURCE_NOT_FOUND', reason: /missing\.csv/ } } },
];

const pieceSizeBytes = 64 * 1024;

describe('the bad-input catalogue: every case answered as expected, no process harmed', () => {
  const workers: AppProcess[] = [];
  const suite = usePipelineSuite({ pieceSizeBytes, module: ApiAndProjectorModule, closeBeforeApp: () => killAll(workers) });
  let worker: AppProcess;
  let rejections: TopicReader;
  let peakWorkerRss = 0;

  beforeAll(async () => {
    await ensureAppBuilt();
    worker = startChildWorker('catalogue worker');
    workers.push(worker);
    rejections = await TopicReader.start(suite.messaging, suite.pipeline.topics.commandRejections);
  }, 200_000);

  afterEach(async () => {
    // The case harmed no process: the worker runs and the api answers.
    expect(worker.running).toBe(true);
    expect((await suite.api.listJobs()).status).toBe(200);
  });

  it('has at least 25 cases', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(25);
  });

  it.each(catalogue.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const rssProbe = setInterval(() => (peakWorkerRss = Math.max(peakWorkerRss, worker.rssBytes() ?? 0)), 100);
    try {
      await runCase(suite, rejections, entry, () => worker.recentOutput());
    } finally {
      clearInterval(rssProbe);
    }
  });

  it('read the 50 MB line with the worker under 400 MB resident', () => {
    expect(peakWorkerRss).toBeGreaterThan(0);
    expect(peakWorkerRss).toBeLessThan(400 * 1024 * 1024);
  });

  it('still imports a good file of 10,000 rows after every case, each record exactly once', async () => {
    const { api, messaging, sources, jobIds } = suite;
    const rows = 10_000;
    const url = await sources.put('good.csv', `id,name\n${Array.from({ length: rows }, (_, n) => `${n},name ${n}`).join('\n')}\n`);
    const destinationTopic = await createDestinationTopic(messaging, 'good');
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    expect(await api.waitUntilFinished(jobId, 120_000)).toMatchObject({ status: 'Completed', rows: { processed: rows, failed: 0, imported: rows } });
    const keys = (await readCommittedUntilNow(messaging, destinationTopic)).map((message) => Number(message.key));
    expect(keys.length).toBe(rows);
    expect(new Set(keys).size).toBe(rows);
    expect(Math.min(...keys)).toBe(0);
    expect(Math.max(...keys)).toBe(rows - 1);
  });

  itChecksEveryJobOfTheFile(suite);
});

async function runCase(suite: PipelineSuite, rejections: TopicReader, { input, expected, also }: CatalogueCase, explain: () => string): Promise<void> {
  const { api, messaging, sources, jobIds, pipeline } = suite;

  if ('object' in input || 'missingObject' in input) {
    const { key, body, format = 'CSV', schema, csv } = 'object' in input ? input.object : { key: input.missingObject, body: undefined, format: 'CSV' as const, schema: undefined, csv: undefined };
    const url = body === undefined ? sources.url(key) : await sources.put(key, body);
    const destinationTopic = await createDestinationTopic(messaging, 'catalogue');
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format, destinationTopic, keyField: 'id', ...(schema && { schema }), ...(csv && { csv }) });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId, 120_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${explain()}`);
    });
    if ('completes' in expected) {
      const { processed, failed, failures = [] } = expected.completes;
      expect({ status: job.status, failureReason: job.failureReason }).toEqual({ status: 'Completed', failureReason: null });
      expect(job.rows).toEqual({ processed, failed, imported: processed - failed });
      for (const { line, reason } of failures) {
        const failure = job.failures.find((candidate) => candidate.line === line);
        expect({ line: failure?.line, file: failure?.file }).toEqual({ line, file: url });
        expect(failure?.reason).toEqual(typeof reason === 'string' ? expect.stringContaining(reason) : expect.stringMatching(reason));
      }
    } else if ('jobFails' in expected) {
      expect(job.status).toBe('Failed');
      expect(job.failureReason?.code).toBe(expected.jobFails.code);
      expect(job.failureReason?.message).toEqual(matching(expected.jobFails.reason));
    } else {
      throw new Error(`an import case must complete or fail, not ${JSON.stringify(expected)}`);
    }
    await also?.(job, suite);
    return;
  }

  if ('http' in input) {
    if (!('refused' in expected)) throw new Error('an HTTP case must be refused');
    const response = await fetch(`${pipeline.url}/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: input.http });
    const body = (await response.json()) as { message?: string; code?: string };
    expect(response.status).toBe(expected.refused.status);
    expect(`${body.code} ${body.message} ${JSON.stringify(body)}`).toEqual(matching(expected.refused.message));
    return;
  }

  if ('command' in input) {
    if (!('rejected' in expected)) throw new Error('a command case must be rejected');
    const key = randomUUID();
    await messaging.producer.send([{ topic: pipeline.topics.commands, key, value: input.command }]);
    const rejection = await rejections.waitFor(`the rejection of command ${key}`, (messages) => {
      const found = messages.find((message) => message.key === key);
      return found && (JSON.parse(found.value?.toString('utf8') ?? 'null') as CommandRejected);
    });
    expect(rejection.reason).toEqual(matching(expected.rejected.reason));
    const quotedWhole = Buffer.byteLength(input.command) <= maxQuotedValueBytes;
    expect({ truncated: rejection.command.valueTruncated, quotesItsBeginning: input.command.startsWith(rejection.command.value ?? '') }).toEqual({
      truncated: !quotedWhole,
      quotesItsBeginning: true,
    });
    if (quotedWhole) expect(rejection.command.value).toBe(input.command);
    return;
  }

  // A RequestImport replayed: the same command twice, one job.
  const url = await sources.put('replayed.csv', 'id\n1\n2\n');
  const destinationTopic = await createDestinationTopic(messaging, 'catalogue');
  const clientToken = randomUUID();
  const command = JSON.stringify({ type: 'RequestImport', version: 1, sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id', clientToken });
  const key = randomUUID();
  await messaging.producer.send([
    { topic: pipeline.topics.commands, key, value: command },
    { topic: pipeline.topics.commands, key, value: command },
  ]);
  const jobId = jobIdFor(pipeline.app.get<ServiceConfig>(SERVICE_CONFIG).defaultTenant, clientToken);
  jobIds.push(jobId);
  const job = await api.waitUntilFinished(jobId, 60_000);
  const requested = (await pipeline.store.readStream(importJobStreamId(jobId))).filter((event) => event.type === 'ImportRequested.v1');
  expect({ status: job.status, rows: job.rows, requested: requested.length }).toEqual({ status: 'Completed', rows: { processed: 2, failed: 0, imported: 2 }, requested: 1 });
  expect(rejections.messages.filter((message) => message.key === key)).toEqual([]);
}

function matching(expected: string | RegExp): unknown {
  return typeof expected === 'string' ? expect.stringContaining(expected) : expect.stringMatching(expected);
}

/** The job's failure report, as the CSV the finisher wrote. */
async function readReport({ pipeline }: PipelineSuite, job: JobResource): Promise<string> {
  const location = job.failureReport?.location;
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location ?? '');
  if (!match) throw new Error(`job ${job.id} has no failure report: ${JSON.stringify(job.failureReport)}`);
  const object = await pipeline.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}
