import { NotFoundError, ValidationError } from '@import-jobs/domain';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '@import-jobs/event-store';
import { jobEvents, recordedStream } from '@import-jobs/read-model/testing/job-events';
import { readPieceTimeline, timelineOptionsOf, type PieceTimelineEntry } from './piece-timeline';

const jobId = 'job-1';

/** The job's stream, each event recorded at its own `occurredAt`, and a claim a second before each piece given one. */
function storeWith(events: Parameters<typeof recordedStream>[1], claimed: (pieceId: string) => boolean) {
  const stream = recordedStream(jobId, events).map((event) => ({ ...event, recordedAt: new Date((event.data as { occurredAt: string }).occurredAt) }));
  const settledEvents = new Map(stream.flatMap((event) => ('pieceId' in event.data ? [[String(event.data['pieceId']), event] as const] : [])));
  const reads: Array<{ streamId: string; maxCount: number | undefined }> = [];
  const store = {
    readStream: async (streamId: string, { fromRevision = 0n, maxCount }: ReadStreamOptions = {}): Promise<RecordedEvent[]> => {
      reads.push({ streamId, maxCount });
      // Revisions count from 0, so an event's revision is its index.
      if (streamId === `import-job-${jobId}`) return stream.slice(Number(fromRevision), maxCount === undefined ? undefined : Number(fromRevision) + maxCount);
      const pieceId = streamId.slice(`piece-claim-${jobId}-`.length);
      const settled = settledEvents.get(pieceId);
      if (!streamId.startsWith(`piece-claim-${jobId}-`) || settled === undefined || !claimed(pieceId)) return [];
      return [{ ...settled, id: `claim-${pieceId}`, type: 'PieceClaimed.v1', streamId, streamRevision: 0n, recordedAt: new Date(settled.recordedAt.getTime() - 1000) }];
    },
  };
  return { store: store as unknown as EventStore, reads };
}

describe("a job's pieces on a timeline", () => {
  it('gives each settled piece its claim as its start, its recording as its end, and its rows', async () => {
    const job = jobEvents(jobId, { createdAt: '2026-03-01T10:00:00.000Z' });
    const { store } = storeWith(
      [job.requested(), job.planningStarted(), ...job.planned(3), job.pieceCompleted(1, { rowsProcessed: 7, rowsFailed: 2 }), job.pieceFailed(2), job.cancelling(), job.pieceCancelled(3)],
      (pieceId) => pieceId !== 'piece-3',
    );

    const page = await readPieceTimeline(store, 'tenant-a', jobId, { from: 0, every: 1 });

    expect(page).toEqual({
      next: null,
      pieces: [
        { pieceId: 'piece-1', claimedAt: '2026-03-01T10:00:03.000Z', settledAt: '2026-03-01T10:00:04.000Z', outcome: 'completed', rowsProcessed: 7, rowsFailed: 2 },
        { pieceId: 'piece-2', claimedAt: '2026-03-01T10:00:04.000Z', settledAt: '2026-03-01T10:00:05.000Z', outcome: 'failed', rowsProcessed: 0, rowsFailed: 0 },
        { pieceId: 'piece-3', claimedAt: null, settledAt: '2026-03-01T10:00:06.000Z', outcome: 'cancelled', rowsProcessed: 0, rowsFailed: 0 },
      ],
    });
  });

  it('reads a job of 100,000 pieces in bounded pages, as an even sample of about 2,000 of them', async () => {
    const pieces = 100_000;
    const job = jobEvents(jobId);
    // Without its plan, which the timeline does not read and which would cost this test most of its time.
    const { store, reads } = storeWith(
      [job.requested(), job.planningStarted(), ...Array.from({ length: pieces }, (_, index) => job.pieceCompleted(index + 1)), job.completing(), job.completed()],
      () => true,
    );
    const every = Math.ceil(pieces / 2000);

    const sampled: PieceTimelineEntry[] = [];
    const pageSizes: number[] = [];
    for (let from: number | null = 0; from !== null; ) {
      const page = await readPieceTimeline(store, 'tenant-a', jobId, { from, every });
      sampled.push(...page.pieces);
      pageSizes.push(page.pieces.length);
      from = page.next;
    }

    const numbers = sampled.map((piece) => Number(piece.pieceId.replace('piece-', '')));
    expect(sampled.length).toBeGreaterThanOrEqual(1990);
    expect(sampled.length).toBeLessThanOrEqual(2010);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers[0]).toBeLessThanOrEqual(every);
    expect(numbers.at(-1)).toBeGreaterThan(pieces - every);
    expect(Math.max(...numbers.slice(1).map((number, index) => number - numbers[index]!))).toBe(every);
    expect(Math.max(...pageSizes)).toBeLessThanOrEqual(500);
    const streamReads = reads.filter((read) => read.streamId === `import-job-${jobId}`);
    expect(Math.max(...streamReads.map((read) => read.maxCount ?? Infinity))).toBeLessThanOrEqual(5000);
    expect(reads.length - streamReads.length).toBe(sampled.length);
  });

  it("answers another tenant's job, and a job that does not exist, as not found", async () => {
    const job = jobEvents(jobId, { tenantId: 'tenant-a' });
    const { store } = storeWith([job.requested(), job.planningStarted()], () => true);

    await expect(readPieceTimeline(store, 'tenant-b', jobId, { from: 0, every: 1 })).rejects.toThrow(NotFoundError);
    await expect(readPieceTimeline(store, 'tenant-a', 'job-2', { from: 0, every: 1 })).rejects.toThrow(NotFoundError);
  });
});

describe('the timeline query string', () => {
  it('reads from the start, every piece, when it names nothing', () => {
    expect(timelineOptionsOf({})).toEqual({ from: 0, every: 1 });
    expect(timelineOptionsOf({ from: '5000', every: '50' })).toEqual({ from: 5000, every: 50 });
  });

  it.each([
    [{ from: '-1' }],
    [{ from: '1.5' }],
    [{ from: '99999999999999999' }],
    [{ every: '0' }],
    [{ every: 'all' }],
    [{ every: '1000001' }],
    [{ every: ['1', '2'] }],
  ])('refuses %j', (query) => {
    expect(() => timelineOptionsOf(query)).toThrow(ValidationError);
  });
});
