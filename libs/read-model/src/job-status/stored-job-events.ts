import { parseJobStreamEvent, type ImportJobEvent } from '@import-jobs/domain';
import type { RecordedEvent } from '@import-jobs/event-store';
import { piecesNamedBy, projectJobView, type EventMeta, type JobView } from './job-view';
import { KnownPieces, type PieceLedger } from './piece-ledger';

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

/** The job events of a batch of stored events, each read once, in store order. */
export function storedJobEventsOf(events: readonly RecordedEvent[]): StoredJobEvent[] {
  return events.flatMap((recorded) => toStoredJobEvent(recorded) ?? []);
}

/** The view a job's whole stream folds into, as the projector would store it; null before the job's request. */
export function projectJobStream(stream: readonly RecordedEvent[]): JobView | null {
  const pieces = new KnownPieces();
  return storedJobEventsOf(stream).reduce<JobView | null>((view, stored) => projectJobView(view, stored.events, stored.meta, pieces), null);
}

/** The jobs a batch touches, each once. */
export function jobIdsOf(batch: readonly StoredJobEvent[]): string[] {
  return [...new Set(batch.map((stored) => stored.jobId))];
}

/** The pieces a batch reads or settles, each once: the only ledger rows applying it needs. */
export function piecesOf(batch: readonly StoredJobEvent[]): { readonly jobIds: string[]; readonly pieceIds: string[] } {
  const seen = new Map<string, Set<string>>();
  for (const { jobId, events } of batch) {
    const pieces = seen.get(jobId) ?? new Set<string>();
    seen.set(jobId, pieces);
    for (const event of events) for (const pieceId of piecesNamedBy(event)) pieces.add(pieceId);
  }
  const entries = [...seen].flatMap(([jobId, pieceIds]) => [...pieceIds].map((pieceId) => [jobId, pieceId] as const));
  return { jobIds: entries.map(([jobId]) => jobId), pieceIds: entries.map(([, pieceId]) => pieceId) };
}

export interface ProjectedBatch {
  /** The last view of each job the batch changed. */
  readonly views: JobView[];
  /** Every view the batch went through, in store order: one for each event that changed its job's view. */
  readonly changes: JobView[];
}

/**
 * Folds a batch of stored job events, in store order, into the views they touch, with `pieces`
 * holding the status of every piece the batch names and receiving what it changes. Returns only
 * what changed, so that a batch already applied writes nothing.
 */
export function projectStoredEvents(current: ReadonlyMap<string, JobView>, batch: readonly StoredJobEvent[], pieces: PieceLedger): ProjectedBatch {
  const projected = new Map<string, JobView | null>();
  const changes: JobView[] = [];
  for (const stored of batch) {
    const before = projected.has(stored.jobId) ? (projected.get(stored.jobId) ?? null) : (current.get(stored.jobId) ?? null);
    const after = projectJobView(before, stored.events, stored.meta, pieces);
    projected.set(stored.jobId, after);
    if (after !== null && after !== before) changes.push(after);
  }
  return { views: [...projected].flatMap(([jobId, view]) => (view !== null && view !== current.get(jobId) ? [view] : [])), changes };
}
