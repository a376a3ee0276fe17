import { parseJobStreamEvent, type ImportJobEvent } from '@import-jobs/domain';
import type { RecordedEvent } from '@import-jobs/event-store';
import { projectJobView, type EventMeta, type JobView } from './job-view';

export interface StoredJobEvent {
  readonly jobId: string;
  readonly events: readonly ImportJobEvent[];
  readonly meta: EventMeta;
}

/**
 * The job events a stored one holds, read as the side that decides reads them; undefined for
 * events of other kinds in the same store, and for a job event that cannot be read (the job is
 * folded without it on both sides, and the side that decides refuses to go on from it).
 */
export function toStoredJobEvent(recorded: RecordedEvent): StoredJobEvent | undefined {
  const parsed = parseJobStreamEvent(recorded);
  if (parsed.kind !== 'event') return undefined;
  return { jobId: parsed.stored.data.jobId, events: parsed.events, meta: { streamRevision: recorded.streamRevision, position: recorded.position } };
}

/** The view a job's whole stream folds into, as the projector would store it; null before the job's request. */
export function projectJobStream(stream: readonly RecordedEvent[]): JobView | null {
  return stream.reduce<JobView | null>((view, recorded) => {
    const stored = toStoredJobEvent(recorded);
    return stored === undefined ? view : projectJobView(view, stored.events, stored.meta);
  }, null);
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
    const after = projectJobView(before, stored.events, stored.meta);
    projected.set(stored.jobId, after);
    if (after !== null && after !== before) changes.push(after);
  }
  return { views: [...projected].flatMap(([jobId, view]) => (view !== null && view !== current.get(jobId) ? [view] : [])), changes };
}
