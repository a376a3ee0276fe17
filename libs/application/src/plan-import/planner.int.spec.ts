import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  importJobStreamId,
  nothingOut,
  type ImportDefinition,
  type ImportJobCommand,
  type ImportJobDetails,
  type ImportJobStatus,
  type PieceSpec,
} from '@import-jobs/domain';
import { comparePositions, PostgreSqlEventStore } from '@import-jobs/event-store';
import { type IncomingMessage, type Messaging } from '@import-jobs/messaging';
import { importJobTopics, pieceWorkItemCodec, type ImportJobTopics, type PieceWorkItem } from '../messages';
import { Inbox, messagingTestKit, uniqueName } from '../../../messaging/test/kafka-test-kit';
import { dialectSampleBytes, findSplits } from '@import-jobs/formats';
import type { ObjectStore } from '@import-jobs/sources';
import { chunksOf, readAll } from '@import-jobs/sources/testing/byte-streams';
import { harnessObjectStore, type HarnessObjectStore } from '../../../sources/test/harness-object-store';
import { harnessEnv } from '../../../../test/harness/env';
import { waitFor } from '../../../../tools/stack/wait-for';
import { ImportJobStreams } from '../import-job/import-job-streams';
import type { Log } from '../shared/log';
import { deleteStaging, planImport, stagingPrefix } from './plan-import';
import { startPlanner, type Planner, type PlannerOptions } from './planner';
import { publishPieces } from './publish-pieces';

describe('the planner, on PostgreSQL, S3 and Kafka', () => {
  let objects: HarnessObjectStore;
  let objectStore: ObjectStore;
  let store: PostgreSqlEventStore;
  let commands: ImportJobStreams;
  let bucket: string;
  let messaging: Messaging;
  let topics: ImportJobTopics;
  let running: { planner: Planner; subscriptionId: string; failure?: unknown }[];
  let logged: { level: string; message: string; fields?: Record<string, unknown> }[];

  // Declared before the kit, so that it runs before the kit closes the Kafka clients (jest runs a
  // block's afterEach hooks in order): a planner may still be publishing when a test has seen enough.
  afterEach(async () => {
    await Promise.all(running.map(({ planner }) => planner.stop()));
    await store.close();
    expect(running.map(({ failure }) => failure).filter(Boolean)).toEqual([]);
  });
  const kit = messagingTestKit();

  beforeAll(() => {
    objects = harnessObjectStore();
    objectStore = objects.store;
  });
  afterAll(() => objects.close());

  beforeEach(async () => {
    // A schema per test: a planner replays its store from the start, and must see only this test's jobs.
    store = await PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: freshSchema() });
    commands = new ImportJobStreams(store);
    bucket = await objects.newBucket('plan-import');
    messaging = kit.connect();
    topics = importJobTopics(uniqueName('planner'));
    await messaging.admin.createTopics([{ name: topics.pieces, partitions: 1, replicationFactor: 1 }]);
    running = [];
    logged = [];
  });

  describe('splitting CSV at record boundaries', () => {
    it('cuts a CSV whose quoted fields hold newlines into many pieces, each with the header and its own first line', async () => {
      const csv = csvWithMultilineNotes(40);
      const etag = await put('exports/customers.csv', csv);
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      const targetPieceBytes = 200;

      start({ targetPieceBytes });
      const job = await statusOf(jobId, 'Processing');

      const pieces = job.plan ?? [];
      const headerEnd = csv.indexOf('\n') + 1;
      expect(pieces.length).toBeGreaterThan(8);
      expect(job).toMatchObject({ files: 1, bytes: { total: csv.length } });
      expect(pieces[0]?.range.start).toBe(headerEnd);
      expect(pieces.at(-1)?.range.end).toBe(csv.length);
      pieces.forEach((piece, index) => {
        const { start, end } = piece.range;
        expect(piece).toMatchObject({
          object: { bucket, key: 'exports/customers.csv', etag, size: csv.length },
          compression: 'none',
          csvHeader: ['id', 'name', 'note'],
          destinationTopic: 'customers',
          // The file's own line: every newline before the piece counts, quoted ones included.
          firstLine: linesBefore(csv, start) + 1,
        });
        expect(end - start).toBeLessThanOrEqual(targetPieceBytes);
        // Lines inside a quoted note never start with a digit: this is where a record starts.
        expect(csv.subarray(start).toString()).toMatch(/^\d+,/);
        expect(csv[start - 1]).toBe(0x0a);
        if (index > 0) expect(start).toBe(pieces[index - 1]?.range.end);
      });
      expect(new Set(pieces.map((piece) => piece.pieceId)).size).toBe(pieces.length);
    });

    it('publishes exactly one work item per piece of a job allowed all its pieces out, keyed by piece id, carrying what the worker needs', async () => {
      await put('exports/customers.csv', csvWithMultilineNotes(20));
      const schema = { type: 'object', required: ['id'] };
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }], keyField: 'id', schema });

      const { subscriptionId } = start({ targetPieceBytes: 150, maxPiecesOutPerJob: 1000 });
      const job = await statusOf(jobId, 'Processing');
      await handledThrough(subscriptionId, jobId, 'ImportPlanned.v2');
      const messages = await everythingOnPiecesTopic();

      const decoded = messages.map((message) => pieceWorkItemCodec.decode(message.value));
      const items = decoded.flatMap((result) => (result.ok ? [result.message] : []));
      expect(items).toHaveLength(decoded.length);
      expect(items).toHaveLength(job.plan?.length ?? -1);
      expect(messages.map((message) => message.key)).toEqual(items.map((item) => item.piece.pieceId));
      expect(items.map((item) => item.piece)).toEqual(job.plan);
      items.forEach((item) =>
        expect(item).toEqual<PieceWorkItem>({ type: 'PieceWorkItem', version: 1, jobId, tenantId: 'tenant-a', format: 'CSV', keyField: 'id', schema, piece: item.piece }),
      );
    });

    it('decompresses a gzip object into staging objects, each a plain piece cut at a record, naming the gzip file as its origin and its own lines', async () => {
      const compressed = gzipSync(csvWithMultilineNotes(30));
      await put('exports/customers.csv.gz', compressed);
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv.gz`, type: 'object' }] });

      start({ targetPieceBytes: 100 });
      const job = await statusOf(jobId, 'Processing');

      const plan = job.plan ?? [];
      expect(plan.length).toBeGreaterThan(1);
      const origin = { bucket, key: 'exports/customers.csv.gz', etag: (await objectStore.head({ bucket, key: 'exports/customers.csv.gz' })).etag };
      for (const piece of plan) {
        expect(piece).toMatchObject({ compression: 'none', csvHeader: ['id', 'name', 'note'], origin, range: { start: 0, end: piece.object.size } });
        expect(piece.object.key.startsWith(`${jobId}/staging/`)).toBe(true);
      }
      // The staged objects, back to back, are the file decompressed less its header line, each
      // starting at a record, its line the file's own.
      const text = csvWithMultilineNotes(30).toString();
      const staged = await Promise.all(plan.map(async (piece) => (await readAll(objectStore.read(piece.object, 'whole'))).toString()));
      expect(staged.join('')).toBe(text.slice(text.indexOf('\n') + 1));
      let line = 2;
      for (const [index, piece] of plan.entries()) {
        expect(piece.firstLine).toBe(line);
        line += staged[index]!.split('\n').length - 1;
      }
    });

    it('deletes what it staged of a gzip source once asked to', async () => {
      await put('exports/staged.csv.gz', gzipSync(csvWithMultilineNotes(30)));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/staged.csv.gz`, type: 'object' }] });
      start({ targetPieceBytes: 100 });
      const staged = (await statusOf(jobId, 'Processing')).plan?.length ?? 0;
      expect(staged).toBeGreaterThan(1);
      await expect(deleteStaging(objectStore, bucket, jobId)).resolves.toBe(staged);
      expect((await objectStore.list(bucket, stagingPrefix(jobId))).objects).toEqual([]);
    });
  });

  describe('reading each file once', () => {
    it('GETs each file once, whatever its size, compression or format, and cuts it where one pass over the whole file does', async () => {
      const large = csvWithMultilineNotes(3_000);
      const ndjson = Buffer.from(Array.from({ length: 5_000 }, (_, index) => `{"id":${index}}\n`).join(''));
      expect(large.length).toBeGreaterThan(dialectSampleBytes);
      const files = {
        'csv/small.csv': csvWithMultilineNotes(10),
        'csv/large.csv': large,
        'csv/large.csv.gz': gzipSync(large),
        'ndjson/rows.ndjson': ndjson,
        'ndjson/rows.ndjson.gz': gzipSync(ndjson),
      };
      await Promise.all(Object.entries(files).map(([key, body]) => put(key, body)));
      const counting = countingReads(objectStore);
      const deps = { commands, objectStore: counting.store, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 4096 };
      const csvJob = await requestJob({ sources: [{ url: `s3://${bucket}/csv/`, type: 'prefix' }] });
      const ndjsonJob = await requestJob({ format: 'JSON', sources: [{ url: `s3://${bucket}/ndjson/`, type: 'prefix' }] });

      await expect(planImport(csvJob, deps)).resolves.toMatchObject({ kind: 'planned', files: 3 });
      await expect(planImport(ndjsonJob, deps)).resolves.toMatchObject({ kind: 'planned', files: 2 });

      expect(counting.reads).toEqual(new Map(Object.keys(files).map((key) => [key, 1])));
      // The pieces are those of the whole file's bytes in one pass, however the planner came by them.
      const csvPlan = await planOf(commands, csvJob);
      const splits = (await findSplits(chunksOf(large), { format: 'CSV', targetPieceBytes: 4096 })).splits;
      const ofLarge = csvPlan.filter((piece) => piece.object.key === 'csv/large.csv');
      expect(ofLarge.map(({ range, firstLine }) => ({ ...range, firstLine }))).toEqual(splits);
      const ofGzip = csvPlan.filter((piece) => piece.origin?.key === 'csv/large.csv.gz');
      expect(ofGzip.map(({ range, firstLine }) => ({ bytes: range.end, firstLine }))).toEqual(splits.map(({ start, end, firstLine }) => ({ bytes: end - start, firstLine })));
      const ndjsonPlan = await planOf(commands, ndjsonJob);
      const ndjsonSplits = (await findSplits(chunksOf(ndjson), { format: 'JSON', targetPieceBytes: 4096 })).splits;
      expect(ndjsonPlan.filter((piece) => piece.object.key === 'ndjson/rows.ndjson').map(({ range, firstLine }) => ({ ...range, firstLine }))).toEqual(ndjsonSplits);
    });

    it('plans a UTF-16 file, plain or gzip, as one piece its worker reads whole, after one GET', async () => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\r\n1,Ada\r\n2,Grace\r\n', 'utf16le')]);
      const files = { 'utf16/plain.csv': utf16, 'utf16/packed.csv.gz': gzipSync(utf16) };
      await Promise.all(Object.entries(files).map(([key, body]) => put(key, body)));
      const counting = countingReads(objectStore);
      const jobId = await requestJob({ csv: { header: false }, sources: [{ url: `s3://${bucket}/utf16/`, type: 'prefix' }] });

      const outcome = await planImport(jobId, { commands, objectStore: counting.store, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 10 });

      expect(counting.reads).toEqual(new Map(Object.keys(files).map((key) => [key, 1])));
      const totalBytes = files['utf16/plain.csv'].length + files['utf16/packed.csv.gz'].length;
      expect(outcome).toEqual({ kind: 'planned', pieces: 2, files: 2, totalBytes });
      const plan = await planOf(commands, jobId);
      expect(plan.map(({ object, range, compression, firstLine, csvHeader, csv }) => ({ key: object.key, range, compression, firstLine, csvHeader, encoding: csv?.encoding }))).toEqual(
        Object.entries(files)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, body]) => ({
            key,
            range: { start: 0, end: body.length },
            compression: key.endsWith('.gz') ? 'gzip' : 'none',
            firstLine: 1,
            csvHeader: ['column1', 'column2'],
            encoding: 'utf-16le',
          })),
      );
    });
  });

  it("plans only the job's format, from every sub-folder of a prefix, each source to its destination", async () => {
    const ndjson = (name: string) => Buffer.from(`{"name":"${name}-1"}\n{"name":"${name}-2"}\n`);
    const planned = {
      'data/a.ndjson': ndjson('a'),
      'data/2024/b.jsonl': ndjson('b'),
      'data/2024/01/C.JSON': ndjson('c'),
      'data/2024/02/d.ndjson.gz': gzipSync(ndjson('d')),
      'data/empty.json': Buffer.alloc(0),
      'other/e.ndjson': ndjson('e'),
    };
    const ignored = { 'data/x.csv': Buffer.from('id\n1\n'), 'data/readme.txt': Buffer.from('hi'), 'data/folder/': Buffer.alloc(0), 'else/f.ndjson': ndjson('f') };
    await Promise.all(Object.entries({ ...planned, ...ignored }).map(([key, body]) => put(key, body)));
    const jobId = await requestJob({
      format: 'JSON',
      destinationTopic: 'people',
      sources: [
        { url: `s3://${bucket}/data/`, type: 'prefix', destination: 'people-archive' },
        { url: `s3://${bucket}/other/e.ndjson`, type: 'object' },
        // Inside the first prefix, to the same destination: its files are imported once.
        { url: `s3://${bucket}/data/2024/`, type: 'prefix', destination: 'people-archive' },
      ],
    });

    start({ targetPieceBytes: 1024 * 1024 });
    const job = await statusOf(jobId, 'Processing');

    // A gzip file counts the bytes its staged pieces read: its size decompressed.
    const totalBytes = Object.entries(planned).reduce((sum, [key, body]) => sum + (key.endsWith('.gz') ? ndjson('d').length : body.length), 0);
    expect(job).toMatchObject({ files: 6, bytes: { total: totalBytes } });
    const byKey = new Map((job.plan ?? []).map((piece) => [piece.origin?.key ?? piece.object.key, piece]));
    expect([...byKey.keys()].sort()).toEqual(['data/2024/01/C.JSON', 'data/2024/02/d.ndjson.gz', 'data/2024/b.jsonl', 'data/a.ndjson', 'other/e.ndjson']);
    expect(byKey.get('data/a.ndjson')).toMatchObject({ range: { start: 0, end: planned['data/a.ndjson'].length }, firstLine: 1, compression: 'none', destinationTopic: 'people-archive' });
    // A gzip file is staged, decompressed, and planned as a plain piece.
    expect(byKey.get('data/2024/02/d.ndjson.gz')).toMatchObject({ range: { start: 0, end: ndjson('d').length }, compression: 'none', firstLine: 1, destinationTopic: 'people-archive' });
    expect(byKey.get('other/e.ndjson')).toMatchObject({ destinationTopic: 'people' });
    expect((job.plan ?? []).every((piece) => piece.csvHeader === undefined)).toBe(true);
  });

  describe('failing a job whose source cannot be planned', () => {
    it('fails a job whose object or bucket does not exist, naming it, and goes on with the next job', async () => {
      const missingBucket = `missing-${randomUUID()}`;
      const missingKey = await requestJob({ sources: [{ url: `s3://${bucket}/exports/missing.csv`, type: 'object' }] });
      const inMissingBucket = await requestJob({ sources: [{ url: `s3://${missingBucket}/exports/`, type: 'prefix' }] });
      await put('exports/fine.csv', Buffer.from('id\n1\n'));
      const fine = await requestJob({ sources: [{ url: `s3://${bucket}/exports/fine.csv`, type: 'object' }] });

      start();

      expect((await statusOf(missingKey, 'Failing')).failureReason).toEqual({
        code: 'SOURCE_NOT_FOUND',
        message: `s3://${bucket}/exports/missing.csv does not exist`,
      });
      expect((await statusOf(inMissingBucket, 'Failing')).failureReason).toEqual({
        code: 'SOURCE_NOT_FOUND',
        message: `bucket "${missingBucket}" of s3://${missingBucket}/exports/ does not exist`,
      });
      await statusOf(fine, 'Processing');
    });

    it('fails a job whose prefix holds no file of its format, naming the prefix and the format', async () => {
      await put('exports/only.json', Buffer.from('{}\n'));
      const emptyPrefix = await requestJob({ sources: [{ url: `s3://${bucket}/nothing/`, type: 'prefix' }] });
      const otherFormat = await requestJob({ sources: [{ url: `s3://${bucket}/exports/`, type: 'prefix' }] });

      start();

      expect((await statusOf(emptyPrefix, 'Failing')).failureReason).toEqual({
        code: 'NO_MATCHING_FILES',
        message: `s3://${bucket}/nothing/ holds no CSV file (.csv, each optionally .gz)`,
      });
      expect((await statusOf(otherFormat, 'Failing')).failureReason).toMatchObject({
        code: 'NO_MATCHING_FILES',
        message: expect.stringContaining(`s3://${bucket}/exports/ holds no CSV file`),
      });
    });

    it('fails a job whose CSV header cannot name its columns, naming the file and why', async () => {
      await put('exports/bad.csv', Buffer.from('id,,name\n1,2,3\n'));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/bad.csv`, type: 'object' }] });

      start();

      expect((await statusOf(jobId, 'Failing')).failureReason).toEqual({
        code: 'SOURCE_UNREADABLE',
        message: `s3://${bucket}/exports/bad.csv: CSV header: column 2 has no name`,
      });
    });

    it('fails a job whose S3 keeps answering 503 once its bounded retries are spent', async () => {
      const slowDown = await startSlowDownServer();
      const busy = harnessObjectStore(slowDown.endpoint);
      try {
        const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });

        start({ objectStore: busy.store, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 } });
        const job = await statusOf(jobId, 'Failing');

        expect(job.failureReason).toMatchObject({ code: 'SOURCE_UNREADABLE', message: expect.stringMatching(/503.*after 2 attempts/) });
      } finally {
        await busy.close();
        await slowDown.close();
      }
    });
  });

  it('plans a CSV of only a header as zero pieces, and the job completes', async () => {
    await put('exports/header-only.csv', Buffer.from('id,name\r\n'));
    const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/header-only.csv`, type: 'object' }] });

    start();
    const job = await statusOf(jobId, 'Completing');

    expect(job).toMatchObject({ plan: [], files: 1, pieceCounts: { total: 0 } });
  });

  it('leaves a job cancelled before planning alone', async () => {
    const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
    await commands.execute({ type: 'CancelImport.v1', data: { jobId }, metadata: { now: new Date().toISOString() } });

    const { subscriptionId } = start();
    await handledThrough(subscriptionId, jobId, 'ImportCancelled.v1');

    expect(await storedTypes(jobId)).toEqual(['ImportRequested.v1', 'ImportCancelling.v1', 'ImportCancelled.v1']);
  });

  describe('planning again', () => {
    it('records one plan when planning is redelivered, even to several planners at once', async () => {
      await put('exports/customers.csv', csvWithMultilineNotes(30));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      // A planner that crashed after starting: the job is left in Planning.
      await commands.execute({ type: 'StartPlanning.v1', data: { jobId }, metadata: { now: new Date().toISOString() } });
      const deps = { commands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 300 };

      // Two instances of one planner, and two more runs of planning beside them.
      const { subscriptionId } = start({ targetPieceBytes: 300 });
      start({ targetPieceBytes: 300, subscriptionId });
      const outcomes = await Promise.all([planImport(jobId, deps), planImport(jobId, deps)]);
      await statusOf(jobId, 'Processing');

      // Which of the four records the plan is a race (on a loaded machine the subscriptions may
      // finish before either direct run starts): each of the others only finds it recorded.
      expect(outcomes.every((outcome) => outcome.kind === 'planned' || outcome.kind === 'skipped')).toBe(true);
      const types = await storedTypes(jobId);
      expect(types.filter((type) => type === 'ImportPlanningStarted.v1')).toHaveLength(1);
      expect(types.filter((type) => type === 'PiecesPlanned.v1')).toHaveLength(1);
      expect(types.filter((type) => type === 'ImportPlanned.v2')).toHaveLength(1);
      await expect(planImport(jobId, deps)).resolves.toMatchObject({ kind: 'skipped' });
    });

    it('after a crash mid-plan, records each chunk once and completes the plan', async () => {
      await put('exports/customers.csv', oneLineRows(2400));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });

      await expect(planImport(jobId, { commands: crashingBefore('CompletePlan.v1', store), objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 10 })).rejects.toThrow(crash);
      expect((await commands.load(jobId)).job.status).toBe('Planning');
      await expect(planImport(jobId, { commands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 10 })).resolves.toMatchObject({ kind: 'planned', pieces: 2400 });

      const stored = await store.readStream(importJobStreamId(jobId));
      const chunks = stored.filter((event) => event.type === 'PiecesPlanned.v1').map((event) => event.data as unknown as { chunk: number; pieces: PieceSpec[] });
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.map(({ chunk }) => chunk)).toEqual(chunks.map((_, index) => index));
      expect(stored.filter((event) => event.type === 'ImportPlanned.v2')).toHaveLength(1);
      const plan = await planOf(commands, jobId);
      expect(plan).toHaveLength(2400);
      expect(chunks.flatMap(({ pieces }) => pieces)).toEqual(plan);
    });

    it('after a crash mid-plan, stages a gzip source again under the same keys, as the same pieces, each chunk recorded once', async () => {
      const rows = 200;
      await put('exports/customers.csv.gz', gzipSync(oneLineRows(rows)));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv.gz`, type: 'object' }] });
      const deps = { objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 10 };

      await expect(planImport(jobId, { ...deps, commands: crashingBefore('CompletePlan.v1', store) })).rejects.toThrow(crash);
      const stagedKeys = () => stagedKeysIn(objectStore, bucket, jobId);
      const stagedBefore = await stagedKeys();
      await expect(planImport(jobId, { ...deps, commands })).resolves.toMatchObject({ kind: 'planned', pieces: rows });

      const stored = await store.readStream(importJobStreamId(jobId));
      const chunks = stored.filter((event) => event.type === 'PiecesPlanned.v1').map((event) => event.data as unknown as { chunk: number; pieces: PieceSpec[] });
      expect(chunks.map(({ chunk }) => chunk)).toEqual(chunks.map((_, index) => index));
      expect(chunks.flatMap(({ pieces }) => pieces)).toEqual(await planOf(commands, jobId));
      expect(stagedBefore).toHaveLength(rows);
      expect(await stagedKeys()).toEqual(stagedBefore);
    });

    it("counts a gzip source staged again once against the job's staging bound, and what an earlier run staged for another version", async () => {
      // Staged, its rows take all but the 8 bytes of its header line of a bound of its size.
      const csv = oneLineRows(200);
      const maxStagedBytes = csv.length;
      await put('exports/customers.csv.gz', gzipSync(csv));
      const staysWithin = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv.gz`, type: 'object' }] });
      const deps = { objectStore, stagingBucket: bucket, maxStagedBytes, targetPieceBytes: 100 };

      await expect(planImport(staysWithin, { ...deps, commands: crashingBefore('CompletePlan.v1', store) })).rejects.toThrow(crash);
      await expect(planImport(staysWithin, { ...deps, commands })).resolves.toMatchObject({ kind: 'planned' });

      // Staged by an earlier run, from a version of the file since overwritten: still stored, so it counts.
      const passesTheBound = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv.gz`, type: 'object' }] });
      await objectStore.write({ bucket, key: `${stagingPrefix(passesTheBound)}earlier-version/000000000000000` }, chunksOf(Buffer.from('1,earlier\n')));
      const outcome = await planImport(passesTheBound, { ...deps, commands });

      const url = `s3://${bucket}/exports/customers.csv.gz`;
      expect(outcome).toEqual({
        kind: 'failed',
        reason: {
          code: 'SOURCE_UNREADABLE',
          message: `${url} decompresses to more than the ${maxStagedBytes - 10} bytes left of ${maxStagedBytes}, the most this service stages of one job's gzip sources (MAX_STAGED_BYTES): the job has 10 bytes staged already`,
        },
      });
    });

    it('fails a job whose source changed between a partial plan and planning again', async () => {
      await put('exports/customers.csv', csvWithMultilineNotes(30));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      await expect(planImport(jobId, { commands: crashingBefore('CompletePlan.v1', store), objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 300 })).rejects.toThrow(crash);

      await put('exports/customers.csv', csvWithMultilineNotes(31));
      const outcome = await planImport(jobId, { commands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 300 });

      expect(outcome).toMatchObject({ kind: 'failed', reason: { code: 'PLANNING_FAILED', message: expect.stringContaining('changed while the job was being planned') } });
      expect((await commands.load(jobId)).job).toMatchObject({ status: 'Failing', failureReason: { code: 'PLANNING_FAILED' } });
    });

    it('builds the same plan, piece ids included, for the same job and object version', async () => {
      await put('exports/customers.csv', csvWithMultilineNotes(30));
      const sources: ImportDefinition['sources'] = [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }];
      const jobId = await requestJob({ sources });
      // The same request in a second store stands for a planning whose result was lost in a crash.
      const otherStore = await PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: freshSchema() });
      try {
        const otherCommands = new ImportJobStreams(otherStore);
        await otherCommands.execute(requestImport(jobId, { sources }));

        await planImport(jobId, { commands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 250 });
        await planImport(jobId, { commands: otherCommands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 250 });

        const plan = await planOf(commands, jobId);
        expect(plan.length).toBeGreaterThan(3);
        expect(await planOf(otherCommands, jobId)).toEqual(plan);
      } finally {
        await otherStore.close();
      }
    });
  });

  describe('a plan of more pieces than one event can hold', () => {
    it('is recorded in chunks within their bounds, and every piece of a job allowed all out is published once', async () => {
      await put('exports/customers.csv', oneLineRows(2500));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });

      const { subscriptionId } = start({ targetPieceBytes: 10, maxPiecesOutPerJob: 2500 });
      const job = await statusOf(jobId, 'Processing');
      await handledThrough(subscriptionId, jobId, 'ImportPlanned.v2');

      const stored = await store.readStream(importJobStreamId(jobId));
      const chunks = stored.filter((event) => event.type === 'PiecesPlanned.v1').map((event) => (event.data as unknown as { pieces: PieceSpec[] }).pieces);
      expect(job.pieceCounts.total).toBe(2500);
      expect(chunks.length).toBeGreaterThan(2);
      expect(chunks.flat()).toEqual(job.plan);
      for (const chunk of chunks) {
        expect(chunk.length).toBeLessThanOrEqual(1000);
        expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(256 * 1024);
      }
      const published = (await everythingOnPiecesTopic()).map((message) => message.key);
      expect(published).toHaveLength(2500);
      expect(new Set(published)).toEqual(new Set(job.plan?.map((piece) => piece.pieceId)));
    });
  });

  describe('publishing in turns', () => {
    it("keeps at most a turn of a job's pieces out, sends the next as each settles, and on a cancel settles at once the pieces never sent", async () => {
      await put('exports/customers.csv', oneLineRows(30));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      const maxPiecesOutPerJob = 3;
      // By offset: a work item this worker takes again (its handler failed on a busy stream) is one copy.
      const received = new Map<string, string>();
      const settled = new Set<string>();
      let mostOut = 0;
      // A worker that settles each piece it takes: the first half completed, then the job is
      // cancelled and the pieces of its turn are settled as cancelled, as a real worker does.
      const settle = async (message: IncomingMessage) => {
        const decoded = pieceWorkItemCodec.decode(message.value);
        if (!decoded.ok || decoded.message.jobId !== jobId) return;
        const { pieceId } = decoded.message.piece;
        received.set(message.offset, pieceId);
        // Published so far, read from the topic itself: nothing more goes out until this piece settles.
        const [{ offset: published } = { offset: '0' }] = await messaging.admin.fetchEndOffsets(topics.pieces);
        mostOut = Math.max(mostOut, Number(published) - settled.size);
        const now = new Date().toISOString();
        if (settled.size === 15) await commands.execute({ type: 'CancelImport.v1', data: { jobId }, metadata: { now } });
        const outcome = settled.size < 15 ? ({ kind: 'completed', rowsProcessed: 1, rowsFailed: 0, bytesProcessed: 1, firstFailures: [] } as const) : ({ kind: 'cancelled' } as const);
        await commands.execute({ type: 'RecordPieceResult.v1', data: { jobId, pieceId, outcome }, metadata: { now } });
        settled.add(pieceId);
      };
      await messaging.createConsumer({ groupId: uniqueName('settling-worker') }).run({ topics: [topics.pieces], fromBeginning: true, eachMessage: settle });

      start({ targetPieceBytes: 10, maxPiecesOutPerJob });
      const job = await statusOf(jobId, 'Cancelled');

      const plan = (job.plan ?? []).map((piece) => piece.pieceId);
      expect(plan).toHaveLength(30);
      expect(job.pieceCounts).toEqual({ total: 30, completed: 15, failed: 0, cancelled: 15 });
      // One partition and one planner: the pieces go out once each, in plan order. After the cancel
      // only a turn goes out (its first pieces may settle before the planner reads the cancel), and
      // the planner cancels the rest itself.
      const copies = [...received.values()];
      expect(copies).toEqual(plan.slice(0, copies.length));
      expect(copies.length).toBeGreaterThanOrEqual(15 + maxPiecesOutPerJob);
      expect(copies.length).toBeLessThanOrEqual(15 + 2 * maxPiecesOutPerJob);
      expect(mostOut).toBe(maxPiecesOutPerJob);
    });

    it("sends a job's first turn at once, whatever another job still has pending", async () => {
      await put('exports/large.csv', oneLineRows(200));
      await put('exports/small.csv', oneLineRows(1));
      const large = await requestJob({ sources: [{ url: `s3://${bucket}/exports/large.csv`, type: 'object' }] });
      const small = await requestJob({ sources: [{ url: `s3://${bucket}/exports/small.csv`, type: 'object' }] });

      const { subscriptionId } = start({ targetPieceBytes: 10, maxPiecesOutPerJob: 4 });
      await statusOf(small, 'Processing');
      await handledThrough(subscriptionId, small, 'ImportPlanned.v2');

      const jobsOnTopic = (await everythingOnPiecesTopic()).map((message) => {
        const decoded = pieceWorkItemCodec.decode(message.value);
        return decoded.ok ? decoded.message.jobId : 'unreadable';
      });
      expect(jobsOnTopic).toEqual([large, large, large, large, small]);
    });

    it('sends the current turn again from nothing remembered, as a restarted planner does, and only the pending pieces', async () => {
      await put('exports/customers.csv', oneLineRows(20));
      const jobId = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      await planImport(jobId, { commands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 10 });
      const [first, ...rest] = await planOf(commands, jobId);
      await commands.execute({
        type: 'RecordPieceResult.v1',
        data: { jobId, pieceId: first!.pieceId, outcome: { kind: 'completed', rowsProcessed: 1, rowsFailed: 0, bytesProcessed: 1, firstFailures: [] } },
        metadata: { now: new Date().toISOString() },
      });

      const outcome = await publishPieces(jobId, nothingOut, { commands, producer: messaging.producer, topics, maxPiecesOutPerJob: 3 });

      expect(outcome).toEqual({ kind: 'published', pieces: 3, cancelled: 0, sent: { out: rest.slice(0, 3).map((piece) => piece.pieceId), next: 4 } });
      expect((await everythingOnPiecesTopic()).map((message) => message.key)).toEqual(rest.slice(0, 3).map((piece) => piece.pieceId));
    });

    it("still sends a cancelling job's turn, cancels its other pieces, and sends nothing of a failing job", async () => {
      await put('exports/customers.csv', oneLineRows(5));
      const cancelling = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      const failing = await requestJob({ sources: [{ url: `s3://${bucket}/exports/customers.csv`, type: 'object' }] });
      await Promise.all([cancelling, failing].map((jobId) => planImport(jobId, { commands, objectStore, stagingBucket: bucket, maxStagedBytes: 1024 ** 3, targetPieceBytes: 10 })));
      const now = new Date().toISOString();
      await commands.execute({ type: 'CancelImport.v1', data: { jobId: cancelling }, metadata: { now } });
      await commands.execute({ type: 'FailImport.v1', data: { jobId: failing, reason: { code: 'SOURCE_UNREADABLE', message: 'test' } }, metadata: { now } });
      const deps = { commands, producer: messaging.producer, topics, maxPiecesOutPerJob: 2 };

      const plan = (await planOf(commands, cancelling)).map((piece) => piece.pieceId);
      expect(plan.length).toBeGreaterThan(2);
      await expect(publishPieces(cancelling, nothingOut, deps)).resolves.toMatchObject({ kind: 'published', pieces: 2, cancelled: plan.length - 2 });
      expect((await everythingOnPiecesTopic()).map((message) => message.key)).toEqual(plan.slice(0, 2));
      expect((await commands.load(cancelling)).job).toMatchObject({ status: 'Cancelling', pieceCounts: { cancelled: plan.length - 2 } });
      await expect(publishPieces(failing, nothingOut, deps)).resolves.toEqual({ kind: 'skipped', reason: `job ${failing} is Failing` });
    });
  });

  // ── Helpers ────────────────────────────────────────────────────────────────────────────────

  function start(overrides: Partial<PlannerOptions> = {}): { subscriptionId: string } {
    const subscriptionId = `planner-${randomUUID()}`;
    const planner = startPlanner({
      store,
      commands,
      objectStore,
      producer: messaging.producer,
      topics,
      targetPieceBytes: 1024,
      stagingBucket: bucket,
      maxStagedBytes: 1024 ** 3,
      maxPiecesOutPerJob: 8,
      subscriptionId,
      log: recordingLog(),
      ...overrides,
    });
    const entry: (typeof running)[number] = { planner, subscriptionId };
    planner.finished.catch((error: unknown) => (entry.failure = error));
    running.push(entry);
    return { subscriptionId };
  }

  function recordingLog(): Log {
    const at = (level: string) => (message: string, fields?: Record<string, unknown>) => logged.push({ level, message, fields });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }

  async function put(key: string, body: Buffer): Promise<string> {
    return (await objectStore.write({ bucket, key }, chunksOf(body))).etag;
  }

  async function requestJob(change: Partial<ImportDefinition>): Promise<string> {
    const jobId = randomUUID();
    await commands.execute(requestImport(jobId, change));
    return jobId;
  }

  async function statusOf(jobId: string, status: ImportJobStatus): Promise<ImportJobDetails> {
    return waitFor(
      `job ${jobId} to be ${status}`,
      async () => {
        const { job } = await commands.load(jobId);
        return job.status === status ? (job as ImportJobDetails) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    ).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}; planner log: ${JSON.stringify(logged)}`);
    });
  }

  async function storedTypes(jobId: string): Promise<string[]> {
    return (await store.readStream(importJobStreamId(jobId))).map((event) => event.type);
  }

  /** Waits until the planner's checkpoint is past the job's event of this type: its handling is over. */
  async function handledThrough(subscriptionId: string, jobId: string, type: string): Promise<void> {
    const event = (await store.readStream(importJobStreamId(jobId))).find((recorded) => recorded.type === type);
    if (!event) throw new Error(`job ${jobId} has no ${type}`);
    await waitFor(`the planner to handle ${type} of job ${jobId}`, async () => {
      const checkpoint = await store.checkpoints.read(subscriptionId);
      return checkpoint !== undefined && comparePositions(checkpoint, event.position) >= 0;
    });
  }

  /** All the topic holds, proven complete by a marker written after everything else (one partition). */
  async function everythingOnPiecesTopic(): Promise<IncomingMessage[]> {
    const marker = `end-${randomUUID()}`;
    await messaging.producer.send([{ topic: topics.pieces, key: marker, value: marker }]);
    const inbox = new Inbox();
    await messaging.createConsumer({ groupId: uniqueName('pieces-reader') }).run({ topics: [topics.pieces], fromBeginning: true, eachMessage: inbox.add });
    await inbox.waitForValue(marker);
    return inbox.messages.filter((message) => message.key !== marker);
  }
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

function freshSchema(): string {
  return `plan_import_${randomBytes(6).toString('hex')}`;
}


function requestImport(jobId: string, change: Partial<ImportDefinition>) {
  const definition: ImportDefinition = {
    jobType: 'CUSTOMERS',
    format: 'CSV',
    sources: [],
    destinationTopic: 'customers',
    metadata: {},
    failurePolicy: { maxFailedRowRatio: 1 },
    ...change,
  };
  return {
    type: 'RequestImport.v1',
    data: { jobId, tenantId: 'tenant-a', clientToken: jobId, definition },
    metadata: { now: new Date().toISOString() },
  } as const;
}

/** Every other record's note is quoted and spans three lines, with a comma and escaped quotes. */
function csvWithMultilineNotes(rows: number): Buffer {
  const lines = ['id,name,note\n'];
  for (let id = 1; id <= rows; id++) {
    lines.push(id % 2 === 0 ? `${id},Name ${id},"first line of ${id}\nsecond, with a comma\n""quoted"" third"\n` : `${id},Plain ${id},short\n`);
  }
  return Buffer.from(lines.join(''));
}

/** Short records, each cut into a piece of its own by a tiny target piece size. */
function oneLineRows(rows: number): Buffer {
  return Buffer.from(`id,name\n${Array.from({ length: rows }, (_, index) => `${index + 1},Name ${index + 1}\n`).join('')}`);
}

const crash = 'the planner crashed';

/** The job's commands as a planner that crashes on its way to this command sees them. */
async function stagedKeysIn(objectStore: ObjectStore, bucket: string, jobId: string): Promise<string[]> {
  const keys: string[] = [];
  let page: string | undefined;
  do {
    const listed = await objectStore.list(bucket, stagingPrefix(jobId), page === undefined ? {} : { page });
    keys.push(...listed.objects.map((object) => object.key));
    page = listed.nextPage;
  } while (page !== undefined);
  return keys;
}

/** The store, counting the GETs of each key: a read makes its request once iterated. */
function countingReads(store: ObjectStore): { store: ObjectStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const counting: ObjectStore = Object.create(store, {
    read: {
      value: async function* (...args: Parameters<ObjectStore['read']>) {
        reads.set(args[0].key, (reads.get(args[0].key) ?? 0) + 1);
        yield* store.read(...args);
      },
    },
  });
  return { store: counting, reads };
}

function crashingBefore(type: ImportJobCommand['type'], store: PostgreSqlEventStore): ImportJobStreams {
  return new (class extends ImportJobStreams {
    override async execute(...args: Parameters<ImportJobStreams['execute']>): ReturnType<ImportJobStreams['execute']> {
      if (args[0].type === type) throw new Error(crash);
      return super.execute(...args);
    }
  })(store);
}

function linesBefore(bytes: Buffer, offset: number): number {
  return bytes.subarray(0, offset).toString().split('\n').length - 1;
}

async function planOf(commands: ImportJobStreams, jobId: string): Promise<readonly PieceSpec[]> {
  const { job } = await commands.load(jobId);
  return (job as ImportJobDetails).plan ?? [];
}

/** A real HTTP server that answers every request as a throttling S3 does. */
async function startSlowDownServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(503, { 'content-type': 'application/xml' });
    response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
