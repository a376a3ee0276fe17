import { randomBytes } from 'node:crypto';
import type { StoredImportJobEvent } from '@import-jobs/domain';
import type { GlobalPosition, RecordedEvent } from '@import-jobs/event-store';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import { harnessEnv } from '../../../../test/harness/env';
import { jobEvents, recordedStream } from '../testing/job-events';
import { jobStatusProjectionName } from './job-status-projector';
import { PostgreSqlJobViews } from './postgresql-job-views';

/** A statement the views ran, and how many rows it gave back. */
interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly rows: number;
}

describe('job views at scale', () => {
  let pool: Pool;
  const statements: Statement[] = [];

  beforeAll(() => {
    pool = new Pool({ connectionString: harnessEnv('DATABASE_URL') });
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('keeps a job of 100,000 pieces in a view the size of a small job, reading only the piece rows each batch names', async () => {
    const { views, schema } = await readModel();
    const small = await project(views, jobOf('job-small', 100));
    const smallSize = await storedSize(schema, 'job-small');

    const pieces = 100_000;
    const perApply: { readonly named: number; readonly pieceRowsRead: number }[] = [];
    await project(views, jobOf('job-large', pieces), small, (batch, run) => {
      const ledgerReads = run.filter(({ text }) => /^\s*SELECT\b/.test(text) && text.includes('.job_pieces'));
      perApply.push({ named: piecesNamedIn(batch), pieceRowsRead: ledgerReads.reduce((sum, { rows }) => sum + rows, 0) });
    });

    const large = await views.findJob('tenant-a', 'job-large');
    expect(large).toMatchObject({ status: 'Processing', plannedPieces: pieces, pieces: { total: pieces, completed: pieces, failed: 0, cancelled: 0 } });
    expect(large?.rows).toEqual({ processed: 10 * pieces, failed: 0, imported: 10 * pieces });
    // The same fields as the small job's view, each a few digits longer.
    expect(await storedSize(schema, 'job-large')).toBeLessThan(smallSize + 64);
    expect(smallSize).toBeLessThan(2048);
    // Each apply read at most the rows of the pieces its batch named, never the job's other pieces.
    for (const { named, pieceRowsRead } of perApply) expect(pieceRowsRead).toBeLessThanOrEqual(named);
    const { rows } = await pool.query<{ status: string; count: string }>(
      `SELECT status, count(*) FROM "${schema}".job_pieces WHERE job_id = 'job-large' GROUP BY status`,
    );
    expect(rows).toEqual([{ status: 'completed', count: String(pieces) }]);
  });

  it('counts a result stored again once, from the ledger rather than the view', async () => {
    const { views } = await readModel();
    const job = jobEvents('job-1');
    const stream = recordedStream('job-1', [job.requested(), job.planningStarted(), ...job.planned(2), job.pieceCompleted(1), job.pieceCompleted(1, { step: 9 })]);

    await views.applyEvents(jobStatusProjectionName, undefined, stream.slice(0, 5));
    await views.applyEvents(jobStatusProjectionName, stream[4]!.position, stream.slice(5));

    expect(await views.findJob('tenant-a', 'job-1')).toMatchObject({ revision: 5, pieces: { completed: 1 }, rows: { processed: 10 } });
  });

  it('moves the piece statuses of views stored before the ledger out of them, once', async () => {
    const { views, schema } = await readModel();
    const job = jobEvents('job-old');
    const stream = recordedStream('job-old', [job.requested(), job.planningStarted(), ...job.planned(3), job.pieceCompleted(1)]);
    await views.applyEvents(jobStatusProjectionName, undefined, stream);
    const current = (await views.findJob('tenant-a', 'job-old'))!;
    // As an earlier release stored it: every piece's status inside the view, no count of them.
    const { plannedPieces: _plannedPieces, ...rest } = current;
    const stored = { ...rest, pieceStatuses: { 'piece-1': 'completed', 'piece-2': 'pending', 'piece-3': 'pending' } };
    await pool.query(`UPDATE "${schema}".job_views SET view = $1::json WHERE job_id = 'job-old'`, [JSON.stringify(stored)]);
    await pool.query(`DELETE FROM "${schema}".job_pieces`);

    await views.migrate();
    const migrated = await views.findJob('tenant-a', 'job-old');
    await views.migrate();

    expect(migrated).toEqual(current);
    expect(await views.findJob('tenant-a', 'job-old')).toEqual(current);
    const more = recordedStream('job-old', [job.pieceCompleted(1, { step: 8 }), job.pieceCompleted(2, { step: 9 })], stream.length);
    await views.applyEvents(jobStatusProjectionName, stream.at(-1)!.position, more);
    expect(await views.findJob('tenant-a', 'job-old')).toMatchObject({ pieces: { total: 3, completed: 2 }, rows: { processed: 20 } });
  });

  // The plans found, for the record (10,000 jobs of one tenant among 20,000; a page of 51 rows):
  //   newest first:      Limit -> Index Scan using job_views_newest_first, Index Cond: tenant_id; 51 rows read
  //   after a cursor:    Limit -> Index Scan using job_views_newest_first,
  //                      Index Cond: tenant_id AND ROW(created_at, job_id) < ROW(...); 51 rows read
  //   a third's status:  Limit -> Index Scan using job_views_newest_first, Filter: status = ANY(...); 152 rows read
  //   a rare status:     Limit -> Sort -> Bitmap Heap Scan <- Bitmap Index Scan on job_views_by_status_newest_first,
  //                      Index Cond: tenant_id AND status = ANY(...); its 100 rows read, then sorted
  it('lists a tenant of 10,000 jobs from an index, reading a few pages of rows at most', async () => {
    const { views, schema } = await readModel();
    await pool.query(
      `INSERT INTO "${schema}".job_views (job_id, tenant_id, status, created_at, view)
       SELECT 'job-' || lpad(n::text, 6, '0'), CASE WHEN n % 2 = 0 THEN 'tenant-big' ELSE 'tenant-' || (n % 50) END,
              CASE WHEN n % 200 = 0 THEN 'Failed' WHEN n % 3 = 0 THEN 'Completed' ELSE 'Processing' END, timestamptz '2026-01-01' + n * interval '1 minute', '{}'
       FROM generate_series(1, 20000) AS n`,
    );
    await pool.query(`ANALYZE "${schema}".job_views`);
    const pageSize = 51;

    const filters = [{}, { after: { createdAt: '2026-01-04T00:00:00.000Z', jobId: 'job-004320' } }, { statuses: ['Completed' as const] }, { statuses: ['Failed' as const] }];
    for (const filter of filters) {
      statements.length = 0;
      await views.findJobs('tenant-big', { ...filter, limit: pageSize });
      const [listing] = statements;
      const plan = await explain(listing!);

      expect(nodesOf(plan).map((node) => node['Node Type'])).not.toEqual(expect.arrayContaining(['Seq Scan']));
      expect(nodesOf(plan).some((node) => String(node['Index Name']).includes('newest_first'))).toBe(true);
      for (const node of nodesOf(plan)) expect(Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0)).toBeLessThanOrEqual(4 * pageSize);
    }
  });

  async function readModel(): Promise<{ readonly views: PostgreSqlJobViews; readonly schema: string }> {
    const schema = `read_model_scale_${randomBytes(4).toString('hex')}`;
    const views = await PostgreSqlJobViews.create({ pool: recording(pool, statements), schema });
    return { views, schema };
  }

  /** Applies the stream in batches of 1,000 after `from`, as a projector catching up would. */
  async function project(
    views: PostgreSqlJobViews,
    stream: readonly RecordedEvent[],
    from?: GlobalPosition,
    onApplied: (batch: readonly RecordedEvent[], statements: readonly Statement[]) => void = () => undefined,
  ): Promise<GlobalPosition | undefined> {
    let checkpoint = from;
    for (let start = 0; start < stream.length; start += 1000) {
      const batch = stream.slice(start, start + 1000);
      statements.length = 0;
      await views.applyEvents(jobStatusProjectionName, checkpoint, batch);
      onApplied(batch, statements);
      checkpoint = batch.at(-1)!.position;
    }
    return checkpoint;
  }

  async function storedSize(schema: string, jobId: string): Promise<number> {
    const { rows } = await pool.query<{ bytes: number }>(`SELECT octet_length(view::text) AS bytes FROM "${schema}".job_views WHERE job_id = $1`, [jobId]);
    return rows[0]!.bytes;
  }

  async function explain({ text, values }: Statement): Promise<PlanNode> {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, [...values]);
    return rows[0]!['QUERY PLAN'][0].Plan;
  }
});

type PlanNode = Record<string, unknown> & { readonly Plans?: readonly PlanNode[] };

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * One job's stream: its plan in chunks of 1,000 pieces, then every piece completed, each event at
 * the next revision, positioned after every event of the job before it in these specs.
 */
function jobOf(jobId: string, pieces: number): RecordedEvent[] {
  const job = jobEvents(jobId);
  const [whole, totals] = job.planned(pieces) as [Extract<StoredImportJobEvent, { type: 'PiecesPlanned.v1' }>, StoredImportJobEvent];
  const chunks = Array.from({ length: Math.ceil(pieces / 1000) }, (_, chunk) => ({
    ...whole,
    data: { ...whole.data, chunk, pieces: whole.data.pieces.slice(chunk * 1000, (chunk + 1) * 1000) },
  }));
  const events = [job.requested(), job.planningStarted(), ...chunks, totals, ...Array.from({ length: pieces }, (_, i) => job.pieceCompleted(i + 1))];
  const offset = BigInt(jobId === 'job-small' ? 0 : 1_000_000);
  return recordedStream(jobId, events).map((event) => ({
    ...event,
    position: { commit: event.position.commit + offset, prepare: event.position.prepare + offset },
  }));
}

function piecesNamedIn(batch: readonly RecordedEvent[]): number {
  return batch.reduce((sum, { data }) => sum + (Array.isArray(data['pieces']) ? data['pieces'].length : typeof data['pieceId'] === 'string' ? 1 : 0), 0);
}

/** The pool, noting every statement its clients run and the rows each gave back. */
function recording(pool: Pool, statements: Statement[]): Pool {
  const noted = (client: PoolClient): PoolClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'query') {
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (text: string, values: unknown[] = []) => {
          const result = (await target.query(text, values)) as QueryResult;
          statements.push({ text, values, rows: result.rowCount ?? 0 });
          return result;
        };
      },
    });
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'connect') return async () => noted(await target.connect());
      if (property === 'query') return noted(target as unknown as PoolClient).query;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
