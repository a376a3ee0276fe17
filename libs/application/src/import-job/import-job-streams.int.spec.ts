import { randomUUID } from 'node:crypto';
import {
  IdempotencyConflictError,
  importJobStreamId,
  type ImportDefinition,
  type ImportJobCommand,
  type ImportJobDetails,
  type PieceOutcome,
  type PieceSpec,
} from '@import-jobs/domain';
import { PostgreSqlEventStore } from '@import-jobs/event-store';
import { projectJobStream } from '@import-jobs/read-model';
import { harnessEnv } from '../../../../test/harness/env';
import { ImportJobStreams } from './import-job-streams';

describe('import job commands on the PostgreSQL event store', () => {
  let store: PostgreSqlEventStore;
  let commands: ImportJobStreams;

  beforeAll(async () => {
    store = await PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: 'import_job_commands' });
    commands = new ImportJobStreams(store);
  });

  afterAll(async () => {
    await store?.close();
  });

  it('gives back the same job for a repeated request and refuses a changed one', async () => {
    const jobId = randomUUID();
    const first = await commands.execute(requestImport(jobId));
    const again = await commands.execute(requestImport(jobId));

    expect(first.appended.map((event) => event.type)).toEqual(['ImportRequested.v1']);
    expect(again.appended).toEqual([]);
    expect(again.job).toMatchObject({ status: 'Requested', jobId });
    await expect(commands.execute(requestImport(jobId, { destinationTopic: 'elsewhere' }))).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('counts a piece once when its result is delivered many times at once', async () => {
    const jobId = await plannedJob(3);
    await Promise.all(Array.from({ length: 8 }, () => commands.execute(pieceResult(jobId, 'piece-1', completed(10)))));

    const types = await storedTypes(jobId);
    expect(types.filter((type) => type === 'PieceCompleted.v1')).toHaveLength(1);
    const { job } = await commands.load(jobId);
    expect((job as ImportJobDetails).rows.processed).toBe(10);
  });

  it('decides the end exactly once when the last pieces settle concurrently', async () => {
    const pieces = 6;
    const jobId = await plannedJob(pieces);
    const deliveries = Array.from({ length: pieces }, (_, i) => pieceResult(jobId, `piece-${i + 1}`, completed(i + 1)));
    await Promise.all([...deliveries, ...deliveries].map((command) => commands.execute(command)));
    await commands.execute({ type: 'FinishImport.v1', data: { jobId }, metadata: { now: now() } });
    await commands.execute({ type: 'FinishImport.v1', data: { jobId }, metadata: { now: now() } });

    const types = await storedTypes(jobId);
    expect(types.filter((type) => type === 'PieceCompleted.v1')).toHaveLength(pieces);
    expect(types.filter((type) => type === 'ImportCompleting.v1')).toHaveLength(1);
    expect(types.filter((type) => type === 'ImportCompleted.v1')).toHaveLength(1);
    const { job } = await commands.load(jobId);
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: 21, failed: 0 } });
  });

  it('sees what other processes appended since it last read the job, and decides on it', async () => {
    const jobId = await plannedJob(3);
    const elsewhere = new ImportJobStreams(store);
    await commands.load(jobId);
    await elsewhere.execute(pieceResult(jobId, 'piece-1', completed(1)));
    await elsewhere.execute(pieceResult(jobId, 'piece-2', completed(2)));

    const { job } = await commands.load(jobId);
    expect(job).toMatchObject({ status: 'Processing', pieceCounts: { completed: 2 }, rows: { processed: 3 } });
    const last = await commands.execute(pieceResult(jobId, 'piece-3', completed(3)));
    expect(last.appended.map((event) => event.type)).toEqual(['PieceCompleted.v1', 'ImportCompleting.v1']);
    expect((await new ImportJobStreams(store).load(jobId)).job).toEqual(last.job);
  });

  it('folds a stream holding an event it cannot read as the read model does, and decides nothing on it', async () => {
    const jobId = await plannedJob(2);
    await commands.execute(pieceResult(jobId, 'piece-1', completed(4)));
    // A result whose counts no release writes: more failed rows than processed.
    const spoilt = { jobId, pieceId: 'piece-2', rowsProcessed: 1, rowsFailed: 5, bytesProcessed: 100, firstFailures: [], occurredAt: now() };
    await store.appendToStream(importJobStreamId(jobId), [{ id: randomUUID(), type: 'PieceCompleted.v1', data: spoilt }]);

    const loaded = await new ImportJobStreams(store).load(jobId);
    const view = projectJobStream(await store.readStream(importJobStreamId(jobId)));

    expect(loaded.unreadable).toEqual([{ revision: 5n, type: 'PieceCompleted.v1', problem: expect.stringContaining('rowsFailed') }]);
    expect(loaded.job).toMatchObject({ status: 'Processing', pieceCounts: { total: 2, completed: 1 }, rows: { processed: 4, failed: 0 } });
    expect(view).toMatchObject({ status: 'Processing', pieces: { total: 2, completed: 1 }, rows: { processed: 4, failed: 0 } });
    await expect(commands.execute(pieceResult(jobId, 'piece-2', completed(1)))).rejects.toMatchObject({ code: 'UNREADABLE_STREAM', retriable: false });
    expect(await storedTypes(jobId)).toHaveLength(6);
  });

  async function plannedJob(pieceCount: number): Promise<string> {
    const jobId = randomUUID();
    await commands.execute(requestImport(jobId));
    await commands.execute({ type: 'StartPlanning.v1', data: { jobId }, metadata: { now: now() } });
    const pieces = Array.from({ length: pieceCount }, (_, i) => piece(`piece-${i + 1}`, i));
    await commands.execute({ type: 'RecordPlannedPieces.v1', data: { jobId, chunk: 0, pieces }, metadata: { now: now() } });
    await commands.execute({ type: 'CompletePlan.v1', data: { jobId, pieces: pieceCount, files: 1, totalBytes: pieceCount * 100 }, metadata: { now: now() } });
    return jobId;
  }

  async function storedTypes(jobId: string): Promise<string[]> {
    return (await store.readStream(importJobStreamId(jobId))).map((event) => event.type);
  }
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

function now(): string {
  return new Date().toISOString();
}

function requestImport(jobId: string, change: Partial<ImportDefinition> = {}): ImportJobCommand {
  const definition: ImportDefinition = {
    jobType: 'CUSTOMERS',
    format: 'CSV',
    sources: [{ url: 's3://imports/customers.csv', type: 'object' }],
    destinationTopic: 'customers',
    metadata: {},
    failurePolicy: { maxFailedRowRatio: 1 },
    ...change,
  };
  return { type: 'RequestImport.v1', data: { jobId, tenantId: 'tenant-a', clientToken: jobId, definition }, metadata: { now: now() } };
}

function pieceResult(jobId: string, pieceId: string, outcome: PieceOutcome): ImportJobCommand {
  return { type: 'RecordPieceResult.v1', data: { jobId, pieceId, outcome }, metadata: { now: now() } };
}

function completed(rowsProcessed: number): PieceOutcome {
  return { kind: 'completed', rowsProcessed, rowsFailed: 0, bytesProcessed: 100, firstFailures: [] };
}

function piece(pieceId: string, index: number): PieceSpec {
  return {
    pieceId,
    object: { bucket: 'imports', key: 'customers.csv', etag: '"e"', size: 1000 },
    range: { start: index * 100, end: (index + 1) * 100 },
    compression: 'none',
    firstLine: index * 10 + 2,
    csvHeader: ['id'],
    destinationTopic: 'customers',
  };
}
