import { asImportJobEvent, importJobStreamId, type ImportJobEvent } from '@import-jobs/domain';
import type { RecordedEvent } from '@import-jobs/event-store';
import { projectJobView, type EventMeta, type JobView } from './job-view';

export interface StoredJobEvent {
  readonly jobId: string;
  readonly event: ImportJobEvent;
  readonly meta: EventMeta;
}

/**
 * The job event a stored one holds; undefined for events of other kinds in the same store, and
 * for a job event outside its job's stream, whose revision could not guard the job's view.
 */
export function toStoredJobEvent(recorded: RecordedEvent): StoredJobEvent | undefined {
  const event: ImportJobEvent | undefined = asImportJobEvent(recorded);
  if (event === undefined) return undefined;
  const jobId: unknown = event.data.jobId;
  if (typeof jobId !== 'string' || recorded.streamId !== importJobStreamId(jobId)) return undefined;
  return { jobId, event, meta: { streamRevision: recorded.streamRevision, position: recorded.position, recordedAt: recorded.recordedAt } };
}

/** The jobs a batch of stored events touches, each once. */
export function jobIdsOf(events: readonly RecordedEvent[]): string[] {
  return [...new Set(events.flatMap((recorded) => toStoredJobEvent(recorded)?.jobId ?? []))];
}

export interface ProjectedBatch {
  /** The last view of each job the batch changed. */
  readonly views: JobView[];
  /** Every view the batch went through, in store order: one for each event that changed its job's view. */
  readonly changes: JobView[];
}

/**
 * Folds a batch of stored events, in store order, into the views they touch. Returns only what
 * changed, so that a batch already applied writes nothing.
 */
export function projectStoredEvents(current: ReadonlyMap<string, JobView>, events: readonly RecordedEvent[]): ProjectedBatch {
  const projected = new Map<string, JobView | null>();
  const changes: JobView[] = [];
  for (const recorded of events) {
    const stored = toStoredJobEvent(recorded);
    if (stored === undefined) continue;
    const before = projected.has(stored.jobId) ? (projected.get(stored.jobId) ?? null) : (current.get(stored.jobId) ?? null);
    const after = projectJobView(before, stored.event, stored.meta);
    projected.set(stored.jobId, after);
    if (after !== null && after !== before) changes.push(after);
  }
  return { views: [...projected].flatMap(([jobId, view]) => (view !== null && view !== current.get(jobId) ? [view] : [])), changes };
}
