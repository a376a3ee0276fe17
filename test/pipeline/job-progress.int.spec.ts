import { createHash } from 'node:crypto';
import type { JobProgress } from '@import-jobs/read-model';
import { Pool } from 'pg';
import { harnessEnv } from '../harness/env';
import { peopleFile, peopleSchema } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic } from './support/topics';
import { openSse, type ServerSentEvent, type SseConnection } from '../../libs/application/src/job-progress/testing/sse-client';

const keys = { acme: 'acme-key-for-progress', globex: 'globex-key-for-progress' };
const apiKeys = Object.entries(keys)
  .map(([tenant, key]) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`)
  .join(',');
const acme = { authorization: `Bearer ${keys.acme}` };
const globex = { authorization: `Bearer ${keys.globex}` };

describe('live progress: Server-Sent Events driven by the projector', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 1024, apiKeys });
  const connections: SseConnection[] = [];

  afterEach(() => connections.splice(0).forEach((connection) => connection.close()));

  async function open(path: string, headers: Record<string, string>): Promise<SseConnection> {
    const connection = await openSse(`${suite.pipeline.url}${path}`, headers, AbortSignal.timeout(90_000));
    connections.push(connection);
    return connection;
  }

  async function startJob(tag: string, authorization: Record<string, string>): Promise<string> {
    const { api, sources, messaging, jobIds } = suite;
    const url = await sources.put(`${tag}.csv`, peopleFile(150).body);
    const jobId = await api
      .as(authorization.authorization!)
      .startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic: await createDestinationTopic(messaging, tag), keyField: 'id', schema: peopleSchema });
    jobIds.push(jobId);
    return jobId;
  }

  it('streams every version of a multi-piece job in order, ends with its terminal status, and resumes after Last-Event-ID missing nothing', async () => {
    const jobId = await startJob('streamed', acme);
    const whole = await open(`/v1/imports/${jobId}/progress`, acme);
    const interrupted = await open(`/v1/imports/${jobId}/progress`, acme);
    expect([whole.status, whole.contentType]).toEqual([200, expect.stringMatching(/^text\/event-stream/)]);

    const beforeDrop = await take(interrupted.events, 3);
    interrupted.close();
    const resumed = await open(`/v1/imports/${jobId}/progress`, { ...acme, 'last-event-id': beforeDrop.at(-1)!.id! });
    // A piece that takes a while adds in-flight figures between versions, as each stream's timer finds them.
    const streamed = await Promise.all([readToEnd(whole.events), readToEnd(resumed.events)]);
    // A stream that failed ends with an `error` event in place of the rest of the versions: its message says why.
    expect(streamed.flat().filter(({ type }) => type !== 'progress' && type !== 'in-flight')).toEqual([]);
    const [all, afterDrop] = streamed.map(versionsOnly);

    const versions = all.map(({ id }) => Number(id));
    const progress = all.map(progressOf);
    expect(progress.map((change) => change.version)).toEqual(versions);
    // Every event of the job's history is one version, whatever the projector batched together.
    const history = await suite.api.as(acme.authorization).history(jobId);
    expect(versions).toEqual(history.body.events.map((event) => event.sequence));
    expect(progress.at(-1)).toMatchObject({ status: 'Completed', rows: { processed: 150 } });
    expect(progress.slice(0, -1).map((change) => change.status)).not.toContain('Completed');
    const total = progress.at(-1)!.pieces.total;
    expect(total).toBeGreaterThan(3);
    expect(progress.filter((change) => change.status === 'Processing').length).toBeGreaterThanOrEqual(total);
    for (const [earlier, later] of progress.slice(1).map((change, index) => [progress[index]!, change] as const)) {
      expect(settled(later)).toBeGreaterThanOrEqual(settled(earlier));
      expect(later.rows.processed).toBeGreaterThanOrEqual(earlier.rows.processed);
      expect(later.rows.failed).toBeGreaterThanOrEqual(earlier.rows.failed);
    }
    expect([...versionsOnly(beforeDrop), ...afterDrop]).toEqual(all);
    expect(await suite.api.as(acme.authorization).waitUntilFinished(jobId)).toMatchObject({ status: 'Completed', rows: progress.at(-1)!.rows });

    // An EventSource reconnects after the stream ends: 204 tells it that nothing more will come.
    const afterEnd = await open(`/v1/imports/${jobId}/progress`, { ...acme, 'last-event-id': all.at(-1)!.id! });
    expect(afterEnd.status).toBe(204);
    const oneBeforeEnd = await open(`/v1/imports/${jobId}/progress`, { ...acme, 'last-event-id': String(versions.at(-2)) });
    expect(versionsOnly(await readToEnd(oneBeforeEnd.events))).toEqual(all.slice(-1));
  });

  it('answers another tenant 404, a caller without a key 401, and a Last-Event-ID it never sent 400', async () => {
    const [jobId] = suite.jobIds;

    expect((await open(`/v1/imports/${jobId}/progress`, globex)).status).toBe(404);
    expect((await open(`/v1/imports/${jobId}/progress`, {})).status).toBe(401);
    expect((await open('/v1/imports/progress', {})).status).toBe(401);
    expect((await open(`/v1/imports/${jobId}/progress`, { ...acme, 'last-event-id': 'yesterday' })).status).toBe(400);
  });

  it("streams a tenant's newest jobs as they are, then every version of each of its jobs that changes, and nothing of another tenant's", async () => {
    const [finishedJob] = suite.jobIds;
    const stream = await open('/v1/imports/progress', acme);
    const [snapshot] = await take(stream.events, 1);
    expect(progressOf(snapshot!)).toMatchObject({ jobId: finishedJob, status: 'Completed' });

    const [jobId, othersJob] = await Promise.all([startJob('tenant-stream', acme), startJob('other-tenant', globex)]);
    const changes: JobProgress[] = [];
    for await (const event of stream.events) {
      if (event.type !== 'progress') continue;
      const change = progressOf(event);
      changes.push(change);
      if (change.jobId === jobId && change.status === 'Completed') break;
    }

    expect(changes.map((change) => change.jobId)).not.toContain(othersJob);
    expect(changes.map((change) => change.jobId)).not.toContain(finishedJob);
    const history = await suite.api.as(acme.authorization).history(jobId);
    expect(changes.map((change) => change.version)).toEqual(history.body.events.map((event) => event.sequence));
    await suite.api.as(globex.authorization).waitUntilFinished(othersJob);
  });

  it('sends a finished job projected before the change log existed its final state, and ends', async () => {
    const [jobId] = suite.jobIds;
    const job = (await suite.api.as(acme.authorization).getJob(jobId!)).body;
    const pool = new Pool({ connectionString: harnessEnv('DATABASE_URL') });
    try {
      await pool.query(`DELETE FROM "${suite.pipeline.settings.readModelSchema}".job_view_changes WHERE job_id = $1`, [jobId]);
    } finally {
      await pool.end();
    }

    const stream = await open(`/v1/imports/${jobId}/progress`, acme);
    const events = await readToEnd(stream.events);

    expect(events.map(progressOf)).toEqual([expect.objectContaining({ jobId, status: 'Completed', rows: job.rows, pieces: job.pieces })]);
    expect(events[0]?.id).toBe(String(progressOf(events[0]!).version));
  });

  itChecksEveryJobOfTheFile(suite);
});

function progressOf(event: ServerSentEvent): JobProgress {
  return JSON.parse(event.data) as JobProgress;
}

function versionsOnly(events: ServerSentEvent[]): ServerSentEvent[] {
  return events.filter(({ type }) => type === 'progress');
}

function settled({ pieces }: JobProgress): number {
  return pieces.completed + pieces.failed + pieces.cancelled;
}

/** The next `count` events, leaving the stream open for the rest. */
async function take(events: AsyncGenerator<ServerSentEvent>, count: number): Promise<ServerSentEvent[]> {
  const taken: ServerSentEvent[] = [];
  while (taken.length < count) {
    const next = await events.next();
    if (next.done) throw new Error(`the stream ended after ${taken.length} of ${count} events`);
    taken.push(next.value);
  }
  return taken;
}

async function readToEnd(events: AsyncGenerator<ServerSentEvent>): Promise<ServerSentEvent[]> {
  const read: ServerSentEvent[] = [];
  for await (const event of events) read.push(event);
  return read;
}
