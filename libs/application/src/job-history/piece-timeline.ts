import { importJobStreamId, NotFoundError, parseJobStreamEvent, ValidationError, type StoredImportJobEvent } from '@import-jobs/domain';
import type { EventStore, RecordedEvent } from '@import-jobs/event-store';
import type { PieceTimelineEntry } from './piece-timeline-entry';

export type { PieceTimelineEntry } from './piece-timeline-entry';


export interface PieceTimelinePage {
  readonly pieces: PieceTimelineEntry[];
  /** The `from` of the next page; null once the stream has been read to its end. */
  readonly next: number | null;
}

export interface PieceTimelineOptions {
  /** The stream revision to read from. */
  readonly from: number;
  /** Only pieces whose result sits at a revision that is a multiple of this: a sample spread evenly over the job. */
  readonly every: number;
}

/** Events read for one page: a page costs the server a bounded read, whatever the job's size. */
const eventsPerPage = 5_000;
/** Pieces answered in one page: each costs one read of its claim stream. */
const piecesPerPage = 500;
/** Claim streams read at the same time, so that one page does not take every connection of the pool. */
const claimReadsAtOnce = 8;
export const maxEvery = 1_000_000;

/**
 * A job's settled pieces in the order their results were recorded, a page at a time. A piece's
 * start is its claim (`PieceClaimed.v1`, in a stream of its own, see piece-admission.ts): the
 * moment the worker that imported it took it.
 */
export async function readPieceTimeline(store: EventStore, tenantId: string, jobId: string, { from, every }: PieceTimelineOptions): Promise<PieceTimelinePage> {
  const streamId = importJobStreamId(jobId);
  const [requested] = await store.readStream(streamId, { maxCount: 1 });
  const request = requested && storedEventOf(requested);
  if (request?.type !== 'ImportRequested.v1' || request.data.tenantId !== tenantId) {
    throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
  }
  const window = await store.readStream(streamId, { fromRevision: BigInt(from), maxCount: eventsPerPage });
  const settled: Array<{ event: SettledEvent; recordedAt: Date }> = [];
  let next: number | null = window.length === eventsPerPage ? from + eventsPerPage : null;
  for (const recorded of window) {
    const revision = Number(recorded.streamRevision);
    if (revision % every !== 0) continue;
    const event = storedEventOf(recorded);
    if (event === undefined || !isSettled(event)) continue;
    settled.push({ event, recordedAt: recorded.recordedAt });
    if (settled.length === piecesPerPage) {
      next = revision + 1;
      break;
    }
  }
  const pieces: PieceTimelineEntry[] = [];
  for (let start = 0; start < settled.length; start += claimReadsAtOnce) {
    const batch = settled.slice(start, start + claimReadsAtOnce);
    pieces.push(...(await Promise.all(batch.map(async ({ event, recordedAt }) => entryOf(event, recordedAt, await claimedAt(store, jobId, event.data.pieceId))))));
  }
  return { pieces, next };
}

/** The event as it was stored; one that cannot be read is left off the timeline. */
function storedEventOf(recorded: RecordedEvent): StoredImportJobEvent | undefined {
  const parsed = parseJobStreamEvent(recorded);
  return parsed.kind === 'event' ? parsed.stored : undefined;
}

type SettledEvent = Extract<StoredImportJobEvent, { type: 'PieceCompleted.v1' | 'PieceFailed.v1' | 'PieceCancelled.v1' }>;

function isSettled(event: StoredImportJobEvent): event is SettledEvent {
  return event.type === 'PieceCompleted.v1' || event.type === 'PieceFailed.v1' || event.type === 'PieceCancelled.v1';
}

async function claimedAt(store: EventStore, jobId: string, pieceId: string): Promise<string | null> {
  const [claim] = await store.readStream(`piece-claim-${jobId}-${pieceId}`, { maxCount: 1 });
  return claim === undefined ? null : claim.recordedAt.toISOString();
}

function entryOf(event: SettledEvent, recordedAt: Date, claimed: string | null): PieceTimelineEntry {
  const common = { pieceId: event.data.pieceId, claimedAt: claimed, settledAt: recordedAt.toISOString() };
  switch (event.type) {
    case 'PieceCompleted.v1':
      return { ...common, outcome: 'completed', rowsProcessed: event.data.rowsProcessed, rowsFailed: event.data.rowsFailed };
    case 'PieceFailed.v1':
      return { ...common, outcome: 'failed', rowsProcessed: 0, rowsFailed: 0 };
    case 'PieceCancelled.v1':
      return { ...common, outcome: 'cancelled', rowsProcessed: 0, rowsFailed: 0 };
  }
}

/** `from` and `every` as the query string spells them: whole numbers, each given at most once. */
export function timelineOptionsOf(query: Readonly<Record<string, string | readonly string[] | undefined>>): PieceTimelineOptions {
  return { from: wholeNumber(query, 'from', 0, Number.MAX_SAFE_INTEGER) ?? 0, every: wholeNumber(query, 'every', 1, maxEvery) ?? 1 };
}

function wholeNumber(query: Readonly<Record<string, string | readonly string[] | undefined>>, field: string, min: number, max: number): number | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(field, `must be given once, not ${value.length} times`);
  const number = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) throw new ValidationError(field, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value.slice(0, 40))}`);
  return number;
}
