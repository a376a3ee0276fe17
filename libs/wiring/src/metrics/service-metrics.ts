import type { PieceOutcome } from '@import-jobs/domain';
import type { EventStore, GlobalPosition } from '@import-jobs/event-store';
import type { Messaging } from '@import-jobs/messaging';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import { jobStatusProjectionName, PostgreSqlJobViews } from '@import-jobs/read-model';
import { readModelNames } from '@import-jobs/read-model/job-status/schema';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withDeadline } from '../health/readiness';

/** The consumer groups of the service and the topic each reads, for their lag. */
export function serviceConsumerGroups(topicPrefix: string, topics: ImportJobTopics) {
  return {
    commandHandlers: { groupId: `${topicPrefix}.command-handlers`, topic: topics.commands },
    pieceWorkers: { groupId: `${topicPrefix}.piece-workers`, topic: topics.pieces },
    pieceResults: { groupId: `${topicPrefix}.piece-results`, topic: topics.pieceResults },
  } as const;
}

/** The event-store subscriptions of the projector app; each keeps its checkpoint in the store. */
const storeSubscriptions = ['plan-import', 'plan-import-turns', 'finish-import', 'publish-job-events'] as const;

/** Past this many events behind, a projection's lag reads as this many: counting costs a read of them. */
export const projectionLagCap = 1000;

const collectTimeoutMs = 3_000;

export interface MetricSources {
  readonly messaging: Messaging;
  readonly store: EventStore;
  readonly database: Pool;
  readonly readModelSchema: string;
  readonly topicPrefix: string;
  readonly topics: ImportJobTopics;
}

/**
 * The service's Prometheus metrics, in a registry of the app's own (tests run several apps in one
 * process). Counters move as work happens; the gauges about shared state (jobs by status, consumer
 * and projection lag) are read from Kafka and the stores when scraped, so every app reports them
 * alike and none keeps state that could drift.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  private readonly pieces = new Counter({ name: 'import_jobs_pieces_total', help: 'Pieces settled by this process, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  private readonly rowsProcessed = new Counter({ name: 'import_jobs_rows_processed_total', help: 'Rows read by the pieces this process imported', registers: [this.registry] });
  private readonly rowFailures = new Counter({ name: 'import_jobs_row_failures_total', help: 'Rows rejected (schema, shape) by the pieces this process imported', registers: [this.registry] });
  private readonly bytesProcessed = new Counter({ name: 'import_jobs_bytes_processed_total', help: 'Source bytes read by the pieces this process imported', registers: [this.registry] });
  private readonly pieceDuration = new Histogram({
    name: 'import_jobs_piece_duration_seconds',
    help: 'Time to import one piece, from its transaction opening to its commit',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP answers, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'],
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry });
    const views = new PostgreSqlJobViews({ pool: sources.database, schema: sources.readModelSchema });
    const jobViews = readModelNames(sources.readModelSchema).jobViews;
    gauge(this.registry, 'import_jobs_jobs', 'Jobs in the read model, by status', ['status'], async (set) => {
      const { rows } = await sources.database.query<{ status: string; jobs: number }>(`SELECT status, count(*)::int AS jobs FROM ${jobViews} GROUP BY status`);
      for (const { status, jobs } of rows) set({ status }, jobs);
    });
    gauge(this.registry, 'import_jobs_consumer_lag', 'Records not yet consumed by a consumer group, by group and topic (on a topic written in transactions, a caught-up group still counts the commit marker after the last record of each partition)', ['group', 'topic'], async (set) => {
      for (const { groupId, topic } of Object.values(serviceConsumerGroups(sources.topicPrefix, sources.topics))) {
        set({ group: groupId, topic }, await consumerLag(sources.messaging, groupId, topic));
      }
    });
    gauge(this.registry, 'import_jobs_projection_lag_events', `Events in the store after a projection's checkpoint (at most ${projectionLagCap})`, ['projection'], async (set) => {
      const eventsAfter = async (checkpoint: GlobalPosition | undefined) =>
        (await sources.store.readAll({ ...(checkpoint && { after: checkpoint }), maxCount: projectionLagCap })).length;
      set({ projection: jobStatusProjectionName }, await eventsAfter(await views.readCheckpoint(jobStatusProjectionName)));
      for (const subscription of storeSubscriptions) set({ projection: subscription }, await eventsAfter(await sources.store.checkpoints.read(subscription)));
    });
  }

  /** One piece's committed result, with how long its transaction took. */
  pieceSettled(outcome: PieceOutcome, seconds: number): void {
    this.pieces.inc({ outcome: outcome.kind });
    if (outcome.kind !== 'completed') return;
    this.rowsProcessed.inc(outcome.rowsProcessed);
    this.rowFailures.inc(outcome.rowsFailed);
    this.bytesProcessed.inc(outcome.bytesProcessed);
    this.pieceDuration.observe(seconds);
  }

  httpAnswered(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }
}

/**
 * A gauge filled when scraped. A source that does not answer leaves it empty for that scrape rather
 * than failing the whole scrape: /metrics must work best exactly when something is down.
 */
function gauge<Label extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly Label[],
  fill: (set: (labels: Record<Label, string>, value: number) => void) => Promise<void>,
): void {
  new Gauge<Label>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      await withDeadline(name, fill((labels, value) => this.set(labels as never, value)), collectTimeoutMs).catch(() => undefined);
    },
  });
}

async function consumerLag(messaging: Messaging, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([messaging.admin.fetchEndOffsets(topic), messaging.admin.fetchCommittedOffsets(groupId, topic)]);
  const committedBy = new Map(committed.map(({ partition, offset }) => [partition, BigInt(offset ?? 0)]));
  return ends.reduce((lag, { partition, offset }) => lag + Number(BigInt(offset) - (committedBy.get(partition) ?? 0n)), 0);
}
