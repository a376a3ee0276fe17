import type { GlobalPosition, RecordedEvent } from '@import-jobs/event-store';
import type { Pool, PoolClient } from 'pg';
import { toJobProgress, type JobProgress } from './job-progress';
import type { JobView } from './job-view';
import { changeNotificationOf, listenForJobViewChanges, type JobViewChangeListener, type JobViewChangeListening } from './job-view-notifications';
import { inTransaction, migrated, poolOf, type PoolSource } from '@import-jobs/postgres';
import { migrate, readModelNames, type ReadModelNames } from './schema';
import { KnownPieces, type PieceEntry } from './piece-ledger';
import { jobIdsOf, piecesOf, projectStoredEvents, storedJobEventsOf, type StoredJobEvent } from './stored-job-events';
import type { JobViewFilter, JobViewReader } from './job-view-reader';

export type PostgreSqlJobViewsOptions = PoolSource & {
  /** Defaults to `read_model`. Tests pass their own; a rebuild writes to a fresh one. */
  readonly schema?: string;
};

/**
 * Another projector instance moved the checkpoint since this one read it. Nothing was written:
 * the loser resumes from the stored checkpoint rather than apply what the winner applied.
 */
export class CheckpointConflictError extends Error {
  readonly code = 'CHECKPOINT_MOVED';

  constructor(readonly projection: string) {
    super(`the checkpoint of projection ${projection} was moved by another instance`);
    this.name = new.target.name;
  }
}

/**
 * The job-status read model on PostgreSQL: one row per job (the columns queries filter and sort
 * on, the view as json), one row per planned piece (its status: the guard that counts its result
 * once) and one checkpoint row per projection, in one schema. Applying an event reads and writes
 * the rows of the pieces it names and its job's view, whose size does not grow with the pieces.
 */
export class PostgreSqlJobViews implements JobViewReader {
  readonly schema: string;
  private readonly names: ReadModelNames;
  private readonly pool: Pool;
  private readonly closePool: () => Promise<void>;

  constructor(options: PostgreSqlJobViewsOptions) {
    this.names = readModelNames(options.schema ?? 'read_model');
    this.schema = this.names.schemaName;
    const { pool, close } = poolOf(options);
    this.pool = pool;
    this.closePool = close;
  }

  /** Views whose tables exist. */
  static create(options: PostgreSqlJobViewsOptions): Promise<PostgreSqlJobViews> {
    return migrated(new PostgreSqlJobViews(options));
  }

  /** Creates the schema's tables if missing; safe on every start, by several starters at once. */
  async migrate(): Promise<void> {
    await migrate(this.pool, this.names);
  }

  readCheckpoint(projection: string): Promise<GlobalPosition | undefined> {
    return this.names.checkpoints.read(this.pool, projection);
  }

  /**
   * Applies stored events, in store order, and moves the projection's checkpoint from `expected`
   * to the last event's position, all in one transaction. The checkpoint moves first: its row lock
   * makes a second instance wait, and its compare-and-set then finds the checkpoint moved, so that
   * of two instances applying the same events exactly one commits. Every version the views went
   * through is kept as progress, and each changed job is announced on the schema's channel, which
   * PostgreSQL delivers only once the transaction commits.
   *
   * @returns the views that changed, as committed.
   * @throws CheckpointConflictError when the stored checkpoint is not `expected`; nothing is written.
   */
  async applyEvents(projection: string, expected: GlobalPosition | undefined, events: readonly RecordedEvent[]): Promise<JobView[]> {
    const last = events.at(-1);
    if (last === undefined) return [];
    return inTransaction(this.pool, async (client) => {
      if (!(await this.names.checkpoints.move(client, projection, expected, last.position))) throw new CheckpointConflictError(projection);
      const batch = storedJobEventsOf(events);
      if (batch.length === 0) return [];
      const { rows } = await client.query<{ view: JobView }>(`SELECT view FROM ${this.names.jobViews} WHERE job_id = ANY($1::text[])`, [jobIdsOf(batch)]);
      const pieces = await this.readPieces(client, batch);
      const { views, changes } = projectStoredEvents(new Map(rows.map(({ view }) => [view.jobId, view])), batch, pieces);
      await this.upsert(client, views);
      await this.writePieces(client, pieces.changes());
      await this.keepChanges(client, changes);
      await this.announce(client, views);
      return views;
    });
  }

  async findJob(tenantId: string, jobId: string): Promise<JobView | undefined> {
    const { rows } = await this.pool.query<{ view: JobView }>(`SELECT view FROM ${this.names.jobViews} WHERE job_id = $1 AND tenant_id = $2`, [
      jobId,
      tenantId,
    ]);
    return rows[0]?.view;
  }

  /** A tenant's jobs, newest first (created_at, then job id, both descending). */
  async findJobs(tenantId: string, { statuses, after, limit }: JobViewFilter): Promise<JobView[]> {
    const parameters: unknown[] = [tenantId];
    const conditions = ['tenant_id = $1'];
    if (statuses !== undefined && statuses.length > 0) {
      parameters.push(statuses);
      conditions.push(`status = ANY($${parameters.length}::text[])`);
    }
    if (after !== undefined) {
      parameters.push(after.createdAt, after.jobId);
      conditions.push(`(created_at, job_id) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::text)`);
    }
    parameters.push(limit);
    const { rows } = await this.pool.query<{ view: JobView }>(
      `SELECT view FROM ${this.names.jobViews} WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, job_id DESC LIMIT $${parameters.length}`,
      parameters,
    );
    return rows.map(({ view }) => view);
  }

  /** A tenant's job's versions after `afterVersion`, oldest first, at most `limit` of them. */
  async readChanges(tenantId: string, jobId: string, afterVersion: number, limit: number): Promise<JobProgress[]> {
    const { rows } = await this.pool.query<{ progress: JobProgress }>(
      `SELECT progress FROM ${this.names.jobViewChanges} WHERE job_id = $1 AND tenant_id = $2 AND version > $3 ORDER BY version LIMIT $4`,
      [jobId, tenantId, afterVersion, limit],
    );
    return rows.map(({ progress }) => progress);
  }

  /** Hears every job change committed from the moment it resolves, whichever process projected it. */
  listenForChanges(listener: JobViewChangeListener): Promise<JobViewChangeListening> {
    return listenForJobViewChanges(this.pool, this.names.channel, listener);
  }

  /** Every view, by job id: what a comparison with a rebuild reads. */
  async allViews(): Promise<JobView[]> {
    const { rows } = await this.pool.query<{ view: JobView }>(`SELECT view FROM ${this.names.jobViews} ORDER BY job_id`);
    return rows.map(({ view }) => view);
  }

  async close(): Promise<void> {
    await this.closePool();
  }

  private async keepChanges(client: PoolClient, changes: readonly JobView[]): Promise<void> {
    if (changes.length === 0) return;
    await client.query(
      `INSERT INTO ${this.names.jobViewChanges} (job_id, version, tenant_id, progress)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[])
       ON CONFLICT (job_id, version) DO NOTHING`,
      [
        changes.map((view) => view.jobId),
        changes.map((view) => view.revision),
        changes.map((view) => view.tenantId),
        changes.map((view) => JSON.stringify(toJobProgress(view))),
      ],
    );
  }

  private async readPieces(client: PoolClient, batch: readonly StoredJobEvent[]): Promise<KnownPieces> {
    const { jobIds, pieceIds } = piecesOf(batch);
    if (jobIds.length === 0) return new KnownPieces();
    const { rows } = await client.query<{ jobId: string; pieceId: string; status: PieceEntry['status'] }>(
      `SELECT p.job_id AS "jobId", p.piece_id AS "pieceId", p.status FROM ${this.names.jobPieces} p
       JOIN unnest($1::text[], $2::text[]) AS named(job_id, piece_id) ON p.job_id = named.job_id AND p.piece_id = named.piece_id`,
      [jobIds, pieceIds],
    );
    return new KnownPieces(rows);
  }

  private async writePieces(client: PoolClient, changed: readonly PieceEntry[]): Promise<void> {
    if (changed.length === 0) return;
    await client.query(
      `INSERT INTO ${this.names.jobPieces} (job_id, piece_id, status)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (job_id, piece_id) DO UPDATE SET status = EXCLUDED.status`,
      [changed.map((entry) => entry.jobId), changed.map((entry) => entry.pieceId), changed.map((entry) => entry.status)],
    );
  }

  /** One announcement per job, of its last version: a reader fetches every version it has not seen. */
  private async announce(client: PoolClient, views: readonly JobView[]): Promise<void> {
    const payloads = views.flatMap((view) => changeNotificationOf(view) ?? []);
    if (payloads.length === 0) return;
    await client.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [this.names.channel, payloads]);
  }

  private async upsert(client: PoolClient, views: readonly JobView[]): Promise<void> {
    if (views.length === 0) return;
    await client.query(
      `INSERT INTO ${this.names.jobViews} (job_id, tenant_id, status, created_at, view)
       SELECT v.job_id, v.tenant_id, v.status, v.created_at::timestamptz, v.view::json
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(job_id, tenant_id, status, created_at, view)
       ON CONFLICT (job_id) DO UPDATE
         SET tenant_id = EXCLUDED.tenant_id, status = EXCLUDED.status, created_at = EXCLUDED.created_at, view = EXCLUDED.view`,
      [
        views.map((view) => view.jobId),
        views.map((view) => view.tenantId),
        views.map((view) => view.status),
        views.map((view) => view.createdAt),
        views.map((view) => JSON.stringify(view)),
      ],
    );
  }
}
