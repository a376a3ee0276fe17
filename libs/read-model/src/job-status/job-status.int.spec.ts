import { randomBytes, randomUUID } from 'node:crypto';
import { importJobStreamId, ValidationError, type ImportJobStatus, type StoredImportJobEvent } from '@import-jobs/domain';
import { comparePositions, PostgreSqlEventStore, type EventStore, type GlobalPosition, type JsonObject, type RecordedEvent } from '@import-jobs/event-store';
import { eventually } from '@import-jobs/event-store/testing/eventually';
import { Pool } from 'pg';
import { harnessEnv } from '../../../../test/harness/env';
import { jobEvents, rowFailures } from '../testing/job-events';
import { toJobProgress } from './job-progress';
import { InvalidCursorError } from './job-cursor';
import { jobStatusProjectionName, ProjectionLagError, startJobStatusProjector, type JobStatusProjector } from './job-status-projector';
import { JobStatusQueries } from './job-status-queries';
import type { JobView } from './job-view';
import { diffJobViews } from './job-view-diff';
import type { JobViewChange } from './job-view-notifications';
import { CheckpointConflictError, PostgreSqlJobViews } from './postgresql-job-views';
import { rebuildJobViews, swapJobViews } from './rebuild-job-views';

describe('job-status read model on PostgreSQL', () => {
  let pool: Pool;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(() => {
    pool = new Pool({ connectionString: harnessEnv('DATABASE_URL') });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await pool?.end();
  });

  describe('projecting', () => {
    it('turns each job stream into the view the aggregate would give', async () => {
      const { store, views, queries } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projector = project(store, views);
      const changes: JobView[] = [];
      projector.onViewChanged((view) => changes.push(view));

      const streams = [completedJob(tenantId), failedJob(tenantId), cancelledJob(tenantId), processingJob(tenantId)];
      const last = await appendAll(store, streams);
      await projector.waitForPosition(last, 30_000);

      for (const stream of streams) {
        const view = await queries.getJob(tenantId, stream.jobId);
        expect(view).toMatchObject(stream.expected);
        expect(view?.revision).toBe(stream.events.length - 1);
      }
      const [completed] = streams;
      expect(await queries.getJob(tenantId, completed!.jobId)).toMatchObject({
        status: 'Completed',
        jobType: 'CUSTOMERS',
        pieces: { total: 3, completed: 3, failed: 0, cancelled: 0 },
        rows: { processed: 30, failed: 4, imported: 26 },
        failureReport: { location: `s3://reports/${completed!.jobId}.csv`, rows: 4 },
      });
      // Listeners hear only committed views: the last one they heard for a job is the stored one.
      const lastHeard = new Map(changes.map((view) => [view.jobId, view]));
      expect(lastHeard.get(completed!.jobId)).toEqual(await queries.getJob(tenantId, completed!.jobId));
    });

    it('applies every event once when two projectors run on the same tables', async () => {
      const { store, views } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projectors = [project(store, views, { maxBatchSize: 3 }), project(store, views, { maxBatchSize: 3 })];

      const streams = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? completedJob(tenantId) : failedJob(tenantId)));
      const positions = await Promise.all(streams.map((stream) => appendAll(store, [stream])));
      const last = positions.reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b));
      await checkpointReaches(views, last);

      const stored = new Map((await views.allViews()).map((view) => [view.jobId, view]));
      for (const stream of streams) expect(stored.get(stream.jobId)).toMatchObject(stream.expected);
      // Losing the checkpoint to the other instance is routine: both are still running.
      const stillRunning = () => new Promise((resolve) => setImmediate(() => resolve('running')));
      const states = await Promise.all(projectors.map((projector) => Promise.race([projector.finished.then(() => 'ended', () => 'failed'), stillRunning()])));
      expect(states).toEqual(['running', 'running']);
    });

    it('lets exactly one of two transactions starting from the same checkpoint commit', async () => {
      const { store, views } = await readModel();
      const stream = completedJob(`tenant-${randomUUID()}`);
      await appendAll(store, [stream]);
      // readAll gives only events no running transaction can still precede, and any transaction on
      // the server counts (another test file's, in parallel): the newest ones may lag a moment.
      const recorded = await eventually('every appended event to be readable', async () => {
        const events = await store.readAll();
        return events.length === stream.events.length ? events : undefined;
      });
      const [firstBatch, secondBatch] = [recorded.slice(0, 4), recorded.slice(4)];

      for (const [expected, batch] of [
        [undefined, firstBatch],
        [firstBatch.at(-1)?.position, secondBatch],
      ] as const) {
        const outcomes = await Promise.allSettled([0, 1].map(() => views.applyEvents(jobStatusProjectionName, expected, batch)));

        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const [lost] = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(lost?.reason).toBeInstanceOf(CheckpointConflictError);
        expect(await views.readCheckpoint(jobStatusProjectionName)).toEqual(batch.at(-1)?.position);
      }
      const [view] = await views.allViews();
      expect(view).toMatchObject(stream.expected);
    });

    it('resumes after a restart from its checkpoint', async () => {
      const { store, views, queries } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const first = project(store, views);
      const before = completedJob(tenantId);
      await first.waitForPosition(await appendAll(store, [before]), 30_000);
      await first.stop();
      const checkpoint = await views.readCheckpoint(jobStatusProjectionName);

      const after = failedJob(tenantId);
      const last = await appendAll(store, [after]);
      const subscribedAfter: (GlobalPosition | undefined)[] = [];
      const second = project(watchingSubscriptions(store, subscribedAfter), views);
      await second.waitForPosition(last, 30_000);

      expect(subscribedAfter).toEqual([checkpoint]);
      expect(await queries.getJob(tenantId, before.jobId)).toMatchObject(before.expected);
      expect(await queries.getJob(tenantId, after.jobId)).toMatchObject(after.expected);
    });

    it('says so when it has not reached a position in time, or has stopped', async () => {
      const { store, views } = await readModel();
      const projector = project(store, views);
      const beyond = { commit: 2n ** 62n, prepare: 1n };

      await expect(projector.waitForPosition(beyond, 50)).rejects.toBeInstanceOf(ProjectionLagError);
      const waiting = projector.waitForPosition(beyond, 30_000);
      await projector.stop();
      await expect(waiting).rejects.toMatchObject({ code: 'PROJECTION_LAGGING' });
    });
  });

  describe('rebuilding', () => {
    it('gives the live read model again, and shows a tampered live row as a difference', async () => {
      const { store, views, schema } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projector = project(store, views, { maxBatchSize: 4 });
      const streams = [completedJob(tenantId), failedJob(tenantId), cancelledJob(tenantId), processingJob(tenantId)];
      const last = await appendAll(store, streams);
      await projector.waitForPosition(last, 30_000);

      const rebuilt = await rebuildJobViews({ store, connection: pool, schema, batchSize: 5 });
      const rebuiltViews = new PostgreSqlJobViews({ pool, schema: rebuilt.schema });

      expect(rebuilt.schema).toBe(`${schema}_rebuild_1`);
      expect(rebuilt.events).toBe(streams.reduce((sum, stream) => sum + stream.events.length, 0));
      expect(rebuilt.checkpoint).toEqual(last);
      expect(diffJobViews(await views.allViews(), await rebuiltViews.allViews())).toEqual([]);

      const tampered = streams[0]!;
      await pool.query(`UPDATE "${schema}".job_views SET view = jsonb_set(view::jsonb, '{rows,processed}', '999') WHERE job_id = $1`, [tampered.jobId]);
      expect(diffJobViews(await views.allViews(), await rebuiltViews.allViews())).toEqual([
        { jobId: tampered.jobId, path: 'rows.processed', left: 999, right: 30 },
      ]);
    });

    it('swaps rebuilt tables in under a live projector, which follows on from the rebuild', async () => {
      const { store, views, queries, schema } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projector = project(store, views);
      const job = processingJob(tenantId);
      await projector.waitForPosition(await appendAll(store, [job]), 30_000);
      await pool.query(`UPDATE "${schema}".job_views SET view = jsonb_set(view::jsonb, '{files}', '42') WHERE job_id = $1`, [job.jobId]);

      const rebuilt = await rebuildJobViews({ store, connection: pool, schema });
      const { retired } = await swapJobViews({ connection: pool, schema, rebuilt: rebuilt.schema });
      const more = job.builder.pieceCompleted(2, { step: 10 });
      const appended = await store.appendToStream(importJobStreamId(job.jobId), [toAppend(more)]);
      await projector.waitForPosition(appended.position!, 30_000);

      expect(retired).toBe(`${schema}_retired_1`);
      expect(await queries.getJob(tenantId, job.jobId)).toMatchObject({
        ...job.expected,
        pieces: { total: 4, completed: 2, failed: 0, cancelled: 0 },
        plannedPieces: 4,
        rows: { processed: 20, failed: 0, imported: 20 },
        bytes: { total: 4000, processed: 2000 },
        files: 1,
        lastModifiedAt: job.builder.at(10),
      });
      const { rows } = await pool.query<{ files: number }>(`SELECT (view->>'files')::int AS files FROM "${retired}".job_views WHERE job_id = $1`, [job.jobId]);
      expect(rows).toEqual([{ files: 42 }]);
    });
  });

  describe('querying', () => {
    it('lists a tenant’s jobs newest first, each once across pages, while new jobs arrive', async () => {
      const { store, views, queries } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projector = project(store, views);
      // Two pairs share a creation time: the job id breaks the tie.
      const createdAt = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-05T00:00:00.000Z'];
      const kinds = [completedJob, failedJob, cancelledJob, processingJob];
      const streams = createdAt.map((at, i) => kinds[i % kinds.length]!(tenantId, at));
      await projector.waitForPosition(await appendAll(store, streams), 30_000);
      const newestFirst = streams
        .map((stream, i) => ({ jobId: stream.jobId, createdAt: createdAt[i]! }))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (b.jobId < a.jobId ? -1 : b.jobId > a.jobId ? 1 : 0))
        .map((job) => job.jobId);

      const listed: string[] = [];
      let page = await queries.listJobs(tenantId, { limit: 3 });
      listed.push(...page.jobs.map((job) => job.jobId));
      const newer = completedJob(tenantId, '2026-02-01T00:00:00.000Z');
      await projector.waitForPosition(await appendAll(store, [newer]), 30_000);
      while (page.nextCursor !== null) {
        page = await queries.listJobs(tenantId, { limit: 3, cursor: page.nextCursor });
        listed.push(...page.jobs.map((job) => job.jobId));
      }

      expect(listed).toEqual(newestFirst);
      expect((await queries.listJobs(tenantId, { limit: 1 })).jobs.map((job) => job.jobId)).toEqual([newer.jobId]);
    });

    it('filters by status, across pages', async () => {
      const { store, views, queries } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projector = project(store, views);
      const streams = [completedJob(tenantId), failedJob(tenantId), cancelledJob(tenantId), processingJob(tenantId), completedJob(tenantId), cancelledJob(tenantId)];
      await projector.waitForPosition(await appendAll(store, streams), 30_000);
      const wanted: ImportJobStatus[] = ['Completed', 'Cancelled'];

      const listed: JobView[] = [];
      let cursor: string | undefined;
      do {
        const page = await queries.listJobs(tenantId, { status: wanted, limit: 2, ...(cursor && { cursor }) });
        listed.push(...page.jobs);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);

      expect(listed.map((job) => job.status).sort()).toEqual(['Cancelled', 'Cancelled', 'Completed', 'Completed']);
      expect(new Set(listed.map((job) => job.jobId)).size).toBe(4);
      expect((await queries.listJobs(tenantId)).jobs).toHaveLength(6);
    });

    it('keeps each tenant to its own jobs', async () => {
      const { store, views, queries } = await readModel();
      const [tenantId, otherTenant] = [`tenant-${randomUUID()}`, `tenant-${randomUUID()}`];
      const projector = project(store, views);
      const [mine, theirs] = [completedJob(tenantId), completedJob(otherTenant)];
      await projector.waitForPosition(await appendAll(store, [mine, theirs]), 30_000);

      expect(await queries.getJob(otherTenant, mine.jobId)).toBeUndefined();
      expect(await queries.getJob(tenantId, mine.jobId)).toMatchObject({ jobId: mine.jobId, tenantId });
      expect((await queries.listJobs(tenantId)).jobs.map((job) => job.jobId)).toEqual([mine.jobId]);
      expect((await queries.listJobs(otherTenant)).jobs.map((job) => job.jobId)).toEqual([theirs.jobId]);
    });

    it('refuses a cursor it did not issue, a limit out of range and an unknown status', async () => {
      const { queries } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;

      await expect(queries.listJobs(tenantId, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(queries.listJobs(tenantId, { limit: 0 })).rejects.toMatchObject({ field: 'limit' });
      await expect(queries.listJobs(tenantId, { limit: 501 })).rejects.toBeInstanceOf(ValidationError);
      await expect(queries.listJobs(tenantId, { status: ['Done' as ImportJobStatus] })).rejects.toMatchObject({ field: 'status' });
    });
  });

  describe('following changes', () => {
    it('keeps every version of a view as progress, and announces each job once its change is committed', async () => {
      const { store, views } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const readAtAnnouncement: Promise<boolean>[] = [];
      const heard: JobViewChange[] = [];
      const listening = await views.listenForChanges({
        onChange: (change) => {
          heard.push(change);
          readAtAnnouncement.push(views.readChanges(change.tenantId, change.jobId, change.version - 1, 1).then(([read]) => read?.version === change.version));
        },
        onResync: () => undefined,
      });
      cleanups.push(() => listening.close());
      const job = completedJob(tenantId);
      const last = await appendAll(store, [job]);
      // Catching up applies batches of several events: each event's version is kept all the same.
      await project(store, views, { maxBatchSize: 3 }).waitForPosition(last, 30_000);

      const changes = await views.readChanges(tenantId, job.jobId, -1, 100);
      expect(changes.map((change) => change.version)).toEqual(job.events.map((_, revision) => revision));
      expect(changes.map(({ status, pieces, rows, bytes }) => ({ status, pieces, rows, bytes }))).toEqual(completedJobProgress);
      expect(changes.at(-1)).toEqual(toJobProgress((await views.findJob(tenantId, job.jobId))!));
      expect((await views.readChanges(tenantId, job.jobId, 2, 2)).map((change) => change.version)).toEqual([3, 4]);
      expect(await views.readChanges(`tenant-${randomUUID()}`, job.jobId, -1, 100)).toEqual([]);

      const lastVersion = job.events.length - 1;
      await eventually('the last version to be announced', async () => heard.some((change) => change.version === lastVersion) || undefined);
      const versions = heard.map((change) => change.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(heard.every((change) => change.jobId === job.jobId && change.tenantId === tenantId)).toBe(true);
      expect(await Promise.all(readAtAnnouncement)).not.toContain(false);
    });

    it('listens again after losing its connection, and tells its listener to catch up', async () => {
      const { store, views, schema } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const heard: string[] = [];
      let resyncs = 0;
      const listening = await views.listenForChanges({ onChange: ({ jobId }) => heard.push(jobId), onResync: () => (resyncs += 1) });
      cleanups.push(() => listening.close());
      const projector = project(store, views);

      const { rows } = await pool.query<{ ended: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE query = $1`,
        [`LISTEN "job_views_${schema}"`],
      );
      expect(rows).toEqual([{ ended: true }]);
      await eventually('the listener to resynchronise', async () => resyncs === 1 || undefined);
      const job = completedJob(tenantId);
      await projector.waitForPosition(await appendAll(store, [job]), 30_000);

      await eventually('a change after the reconnection to be announced', async () => heard.includes(job.jobId) || undefined);
    });
  });

  describe('any text a job carries', () => {
    it('keeps row failures and reasons holding U+0000, lone surrogates and control characters as projected, in views, progress and a rebuild', async () => {
      const { store, views, queries, schema } = await readModel();
      const tenantId = `tenant-${randomUUID()}`;
      const projector = project(store, views);
      const projected = new Map<string, JobView>();
      projector.onViewChanged((view) => projected.set(view.jobId, view));
      const job = jobWithAwkwardText(tenantId);

      await projector.waitForPosition(await appendAll(store, [job]), 30_000);

      const stored = await queries.getJob(tenantId, job.jobId);
      expect(stored).toMatchObject(job.expected);
      expect(stored?.firstFailures.map((failure) => failure.raw)).toEqual(awkwardTexts);
      expect(stored?.failureReason?.message).toBe(awkwardTexts.join('|'));
      expect(JSON.stringify(stored)).toBe(JSON.stringify(projected.get(job.jobId)));
      const [progress] = await views.readChanges(tenantId, job.jobId, job.events.length - 2, 1);
      expect(JSON.stringify(progress)).toBe(JSON.stringify(toJobProgress(stored!)));

      const rebuilt = await rebuildJobViews({ store, connection: pool, schema });
      const rebuiltViews = await new PostgreSqlJobViews({ pool, schema: rebuilt.schema }).allViews();
      expect(rebuiltViews.map((view) => view.firstFailures.map((failure) => failure.raw))).toEqual([awkwardTexts]);
      expect(diffJobViews(await views.allViews(), rebuiltViews)).toEqual([]);
    });

    it('converts tables of jsonb, made before json was chosen, keeping their rows, and then takes any text', async () => {
      const schema = `read_model_jsonb_${randomBytes(4).toString('hex')}`;
      const earlier = { jobId: `job-${randomUUID()}`, tenantId: 'tenant-jsonb', status: 'Processing', revision: 3 };
      await createJsonbReadModelTables(schema, earlier);

      const views = await PostgreSqlJobViews.create({ pool, schema });
      await views.migrate();

      const { rows } = await pool.query<{ table_name: string; data_type: string }>(
        `SELECT table_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND column_name IN ('view', 'progress') ORDER BY table_name`,
        [schema],
      );
      expect(rows).toEqual([
        { table_name: 'job_view_changes', data_type: 'json' },
        { table_name: 'job_views', data_type: 'json' },
      ]);
      expect(await views.allViews()).toEqual([earlier]);
      expect(await views.readChanges(earlier.tenantId, earlier.jobId, -1, 10)).toEqual([{ jobId: earlier.jobId, version: 3 }]);
      const store = await PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: `${schema}_events`, pollIntervalMs: 200 });
      cleanups.push(() => store.close());
      const tenantId = `tenant-${randomUUID()}`;
      const job = jobWithAwkwardText(tenantId);
      await project(store, views).waitForPosition(await appendAll(store, [job]), 30_000);
      expect((await views.findJob(tenantId, job.jobId))?.firstFailures.map((failure) => failure.raw)).toEqual(awkwardTexts);
    });
  });

  it('migrates one schema from 4 starters at once', async () => {
    const schema = `read_model_migration_${randomBytes(4).toString('hex')}`;

    const starters = await Promise.all(Array.from({ length: 4 }, () => PostgreSqlJobViews.create({ pool, schema })));

    expect(await starters[3]?.allViews()).toEqual([]);
  });

  // ── Helpers ─────────────────────────────────────────────────────────────────────────────────
  /** The read model's tables as the first release created them, view and progress in jsonb, with one job in them. */
  async function createJsonbReadModelTables(schema: string, view: { jobId: string; tenantId: string; status: string; revision: number }): Promise<void> {
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".job_views (job_id text COLLATE "C" PRIMARY KEY, tenant_id text NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, view jsonb NOT NULL)`);
    await pool.query(`CREATE TABLE "${schema}".projection_checkpoints (projection text PRIMARY KEY, commit_position bigint NOT NULL, prepare_position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query(`CREATE TABLE "${schema}".job_view_changes (job_id text COLLATE "C" NOT NULL, version bigint NOT NULL, tenant_id text NOT NULL, progress jsonb NOT NULL, PRIMARY KEY (job_id, version))`);
    await pool.query(`INSERT INTO "${schema}".job_views VALUES ($1, $2, $3, now(), $4)`, [view.jobId, view.tenantId, view.status, JSON.stringify(view)]);
    await pool.query(`INSERT INTO "${schema}".job_view_changes VALUES ($1, $2, $3, $4)`, [
      view.jobId,
      view.revision,
      view.tenantId,
      JSON.stringify({ jobId: view.jobId, version: view.revision }),
    ]);
  }


  /** An event store and a read model in schemas of this test's own. */
  async function readModel() {
    const id = randomBytes(4).toString('hex');
    const schema = `read_model_${id}`;
    const store = await PostgreSqlEventStore.create({ connectionString: harnessEnv('DATABASE_URL'), schema: `read_model_events_${id}`, pollIntervalMs: 200 });
    cleanups.push(() => store.close());
    const views = await PostgreSqlJobViews.create({ pool, schema });
    return { store, views, queries: new JobStatusQueries(views), schema };
  }

  function project(store: EventStore, views: PostgreSqlJobViews, options: { maxBatchSize?: number } = {}): JobStatusProjector {
    const projector = startJobStatusProjector({ store, views, projectionName: jobStatusProjectionName, ...options });
    // Registered before the store closes, so that cleanups (run in reverse) stop it first.
    cleanups.push(() => projector.stop());
    return projector;
  }

  async function checkpointReaches(views: PostgreSqlJobViews, position: GlobalPosition): Promise<void> {
    await eventually('the checkpoint to reach the last append', async () => {
      const checkpoint = await views.readCheckpoint(jobStatusProjectionName);
      return checkpoint !== undefined && comparePositions(checkpoint, position) >= 0;
    });
  }
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

interface JobStream {
  readonly jobId: string;
  readonly events: readonly StoredImportJobEvent[];
  readonly builder: ReturnType<typeof jobEvents>;
  /** The view the stream must give, folded by hand from the events. */
  readonly expected: Partial<JobView>;
}

/** Appends each stream's events one append at a time, as the service does; the last append's position. */
async function appendAll(store: EventStore, streams: readonly JobStream[]): Promise<GlobalPosition> {
  let last: GlobalPosition | undefined;
  for (const { jobId, events } of streams) {
    for (const [revision, event] of events.entries()) {
      const result = await store.appendToStream(importJobStreamId(jobId), [toAppend(event)], {
        expectedRevision: revision === 0 ? 'no_stream' : BigInt(revision - 1),
      });
      last = result.position;
    }
  }
  if (last === undefined) throw new Error('PostgreSQL reports the position of every append');
  return last;
}

function toAppend(event: StoredImportJobEvent) {
  return { id: randomUUID(), type: event.type, data: event.data as unknown as JsonObject };
}

function stream(
  tenantId: string,
  createdAt: string | undefined,
  events: (job: ReturnType<typeof jobEvents>, jobId: string) => StoredImportJobEvent[],
  expected: (job: ReturnType<typeof jobEvents>, jobId: string) => Partial<JobView>,
): JobStream {
  const jobId = randomUUID();
  const builder = jobEvents(jobId, { tenantId, ...(createdAt && { createdAt }) });
  return { jobId, events: events(builder, jobId), builder, expected: { jobId, tenantId, jobType: 'CUSTOMERS', createdAt: builder.at(0), ...expected(builder, jobId) } };
}

function completedJob(tenantId: string, createdAt?: string): JobStream {
  return stream(
    tenantId,
    createdAt,
    (job, jobId) => [
      job.requested(),
      job.planningStarted(),
      ...job.planned(3),
      job.pieceCompleted(1, { rowsFailed: 1, failures: rowFailures(1) }),
      job.pieceCompleted(2),
      job.pieceCompleted(3, { rowsFailed: 3, failures: rowFailures(3, { from: 30 }) }),
      job.completing(),
      job.completed({ location: `s3://reports/${jobId}.csv`, rows: 4 }),
    ],
    (job, jobId) => ({
      status: 'Completed',
      pieces: { total: 3, completed: 3, failed: 0, cancelled: 0 },
      plannedPieces: 3,
      rows: { processed: 30, failed: 4, imported: 26 },
      bytes: { total: 3000, processed: 3000 },
      files: 1,
      firstFailures: [...rowFailures(1), ...rowFailures(3, { from: 30 })],
      failureReason: null,
      failureReport: { location: `s3://reports/${jobId}.csv`, rows: 4 },
      startedAt: job.at(1),
      lastModifiedAt: job.at(21),
      completedAt: job.at(21),
    }),
  );
}

/** The progress of `completedJob` after each of its events. */
const completedJobProgress = [
  ['Requested', 0, 0, 0, 0, 0, 0],
  ['Planning', 0, 0, 0, 0, 0, 0],
  // A chunk is recorded: its pieces count at once, while the plan is still being found.
  ['Planning', 3, 0, 0, 0, 0, 0],
  ['Processing', 3, 0, 0, 0, 3000, 0],
  ['Processing', 3, 1, 10, 1, 3000, 1000],
  ['Processing', 3, 2, 20, 1, 3000, 2000],
  ['Processing', 3, 3, 30, 4, 3000, 3000],
  ['Completing', 3, 3, 30, 4, 3000, 3000],
  ['Completed', 3, 3, 30, 4, 3000, 3000],
].map(([status, total, completed, processed, failed, totalBytes, processedBytes]) => ({
  status,
  pieces: { total, completed, failed: 0, cancelled: 0 },
  rows: { processed, failed, imported: Number(processed) - Number(failed) },
  bytes: { total: totalBytes, processed: processedBytes },
}));

function failedJob(tenantId: string, createdAt?: string): JobStream {
  const reason = { code: 'PIECES_FAILED', message: '1 of 2 pieces failed' } as const;
  return stream(
    tenantId,
    createdAt,
    (job) => [job.requested(), job.planningStarted(), ...job.planned(2), job.pieceCompleted(1, { rowsProcessed: 25 }), job.pieceFailed(2), job.failing(reason), job.jobFailed(reason)],
    (job) => ({
      status: 'Failed',
      pieces: { total: 2, completed: 1, failed: 1, cancelled: 0 },
      plannedPieces: 2,
      rows: { processed: 25, failed: 0, imported: 25 },
      bytes: { total: 2000, processed: 1000 },
      files: 1,
      firstFailures: [],
      failureReason: reason,
      failureReport: null,
      startedAt: job.at(1),
      lastModifiedAt: job.at(21),
      completedAt: job.at(21),
    }),
  );
}

function cancelledJob(tenantId: string, createdAt?: string): JobStream {
  return stream(
    tenantId,
    createdAt,
    (job) => [job.requested(), job.cancelling(), job.cancelled()],
    (job) => ({
      status: 'Cancelled',
      pieces: { total: 0, completed: 0, failed: 0, cancelled: 0 },
      plannedPieces: 0,
      rows: { processed: 0, failed: 0, imported: 0 },
      bytes: { total: 0, processed: 0 },
      files: 0,
      firstFailures: [],
      failureReason: null,
      failureReport: null,
      startedAt: null,
      lastModifiedAt: job.at(21),
      completedAt: job.at(21),
    }),
  );
}

function processingJob(tenantId: string, createdAt?: string): JobStream {
  return stream(
    tenantId,
    createdAt,
    (job) => [job.requested(), job.planningStarted(), ...job.planned(4), job.pieceCompleted(1)],
    (job) => ({
      status: 'Processing',
      pieces: { total: 4, completed: 1, failed: 0, cancelled: 0 },
      plannedPieces: 4,
      rows: { processed: 10, failed: 0, imported: 10 },
      bytes: { total: 4000, processed: 1000 },
      files: 1,
      firstFailures: [],
      failureReason: null,
      failureReport: null,
      startedAt: job.at(1),
      lastModifiedAt: job.at(4),
      completedAt: null,
    }),
  );
}

/** Text a rejected row may hold that PostgreSQL's jsonb refuses or that is easy to mangle on the way. */
const awkwardTexts = [
  'id,name\u0000,x',
  'lone high \ud83d here',
  'lone low \ude00 here',
  'reversed \ude00\ud83d pair',
  `controls ${String.fromCharCode(...Array.from({ length: 0x1f }, (_, i) => i + 1), 0x7f, 0x85, 0x9f)}`,
];

function jobWithAwkwardText(tenantId: string): JobStream {
  const failures = awkwardTexts.map((raw, i) => ({ file: 's3://imports/customers.csv', line: 2 + i, reason: `bad row: ${raw}`, raw }));
  const reason = { code: 'TOO_MANY_FAILED_ROWS', message: awkwardTexts.join('|') } as const;
  return stream(
    tenantId,
    undefined,
    (job) => [job.requested(), job.planningStarted(), ...job.planned(1), job.pieceCompleted(1, { rowsFailed: failures.length, failures }), job.failing(reason), job.jobFailed(reason)],
    (job) => ({
      status: 'Failed',
      pieces: { total: 1, completed: 1, failed: 0, cancelled: 0 },
      rows: { processed: 10, failed: failures.length, imported: 10 - failures.length },
      bytes: { total: 1000, processed: 1000 },
      firstFailures: failures,
      failureReason: reason,
      failureReport: null,
      completedAt: job.at(21),
    }),
  );
}

/** The store, noting where each subscription starts. */
function watchingSubscriptions(store: EventStore, starts: (GlobalPosition | undefined)[]): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'subscribeToAll') {
        return (options: { after?: GlobalPosition; onEvent: (event: RecordedEvent) => Promise<void> }) => {
          starts.push(options.after);
          return target.subscribeToAll(options);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
