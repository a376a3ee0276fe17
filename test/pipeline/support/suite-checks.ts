import { eventIdHeader, type JobIntegrationEvent } from '@import-jobs/application/publish-job-events/job-integration-events';
import { importJobStreamId } from '@import-jobs/domain';
import { comparePositions, type EventStore, type RecordedEvent } from '@import-jobs/event-store';
import type { Messaging } from '@import-jobs/messaging';
import { diffJobViews, jobStatusProjectionName, PostgreSqlJobViews, rebuildJobViews } from '@import-jobs/read-model';
import { harnessEnv } from '../../harness/env';
import { eventually } from './deadline';
import type { PipelineApp } from './pipeline-app';
import { TopicReader } from './topics';

const terminalEventType = /^(ImportCompleted|JobFailed|ImportCancelled)$/;

/** Every event of the app's store, in the store's order. */
export async function allStoredEvents(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const pageSize = 500;
  for (;;) {
    const last = events.at(-1);
    const page = await store.readAll({ ...(last && { after: last.position }), maxCount: pageSize });
    events.push(...page);
    if (page.length < pageSize) return events;
  }
}

/** The id of every job the store holds, so that a check "for every job" cannot miss one. */
export async function storedJobIds(store: EventStore): Promise<string[]> {
  const events = await allStoredEvents(store);
  return events.filter((event) => event.type === 'ImportRequested.v1').map((event) => String(event.data.jobId)).sort();
}

/**
 * Rebuilds the job-status read model from position zero into fresh tables and returns how it
 * differs from the live one (nothing, when they agree) with the jobs each holds. Both must have
 * seen the same events: the live projector is awaited up to the rebuild's last event, and a job
 * still running may append more meanwhile, so the comparison is taken again until no event came
 * between the rebuild and the reading of the live views.
 */
export async function compareRebuildWithLiveReadModel({ store, views, settings, log }: PipelineApp) {
  for (let attempt = 1; ; attempt++) {
    const rebuild = await rebuildJobViews({ store, connection: harnessEnv('DATABASE_URL'), schema: settings.readModelSchema });
    const rebuiltUpTo = rebuild.checkpoint;
    if (rebuiltUpTo !== undefined) {
      await eventually(
        "the live projector to apply the rebuild's last event",
        async () => {
          const checkpoint = await views.readCheckpoint(jobStatusProjectionName);
          return checkpoint !== undefined && comparePositions(checkpoint, rebuiltUpTo) >= 0 ? true : undefined;
        },
        { explain: () => log.recentProblems() },
      );
    }
    const rebuilt = await PostgreSqlJobViews.create({ connectionString: harnessEnv('DATABASE_URL'), schema: rebuild.schema });
    try {
      const [liveViews, rebuiltViews] = [await views.allViews(), await rebuilt.allViews()];
      const storedUpTo = (await allStoredEvents(store)).at(-1)?.position;
      const sameEvents = storedUpTo === undefined || (rebuiltUpTo !== undefined && comparePositions(storedUpTo, rebuiltUpTo) === 0);
      if (sameEvents || attempt === 5) {
        return {
          differences: diffJobViews(liveViews, rebuiltViews),
          liveJobIds: liveViews.map((view) => view.jobId).sort(),
          rebuiltJobIds: rebuiltViews.map((view) => view.jobId).sort(),
        };
      }
    } finally {
      await rebuilt.close();
    }
  }
}

/**
 * Reads the job-events topic until it holds every stored event of `jobIds`, then checks each job's
 * messages: keyed by the job, one per stored event (by the event-id header), in stream order,
 * ending with the job's terminal event.
 */
export async function expectJobEventsPublished({ store, topics }: PipelineApp, messaging: Messaging, jobIds: readonly string[]): Promise<void> {
  const stored = new Map<string, RecordedEvent[]>();
  for (const jobId of jobIds) stored.set(jobId, await store.readStream(importJobStreamId(jobId)));
  const expectedIds = [...stored.values()].flat().map((event) => event.id);
  const reader = await TopicReader.start(messaging, topics.jobEvents);
  await reader.waitFor(`all ${expectedIds.length} stored events of ${jobIds.length} jobs`, (messages) => {
    const published = new Set(messages.map((message) => message.headers[eventIdHeader]));
    return expectedIds.every((id) => published.has(id)) ? true : undefined;
  });

  const published = reader.messages.map((message) => ({ message, event: JSON.parse(message.value?.toString('utf8') ?? 'null') as JobIntegrationEvent }));
  for (const [jobId, events] of stored) {
    const ofJob = published.filter(({ event }) => event.jobId === jobId);
    expect({ jobId, keys: ofJob.map(({ message }) => message.key) }).toEqual({ jobId, keys: events.map(() => jobId) });
    expect({ jobId, eventIds: ofJob.map(({ message }) => message.headers[eventIdHeader]) }).toEqual({ jobId, eventIds: events.map((event) => event.id) });
    expect(ofJob.map(({ event }) => [event.eventId, event.type, event.version, event.sequence])).toEqual(
      events.map((event) => {
        // The stored type names its version (`ImportPlanned.v2`); the published event carries them apart.
        const [, name, version] = /^(.+)\.v(\d+)$/.exec(event.type) ?? [];
        return [event.id, name, Number(version), Number(event.streamRevision)];
      }),
    );
    // A job ends exactly once: its one terminal event is its last.
    expect({ jobId, last: ofJob.at(-1)?.event.type, terminal: ofJob.filter(({ event }) => terminalEventType.test(event.type)).length }).toEqual({
      jobId,
      last: expect.stringMatching(terminalEventType),
      terminal: 1,
    });
  }
}
