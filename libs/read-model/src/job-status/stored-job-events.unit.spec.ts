import { importJobStreamId, type StoredImportJobEvent } from '@import-jobs/domain';
import type { JsonObject, RecordedEvent } from '@import-jobs/event-store';
import { jobEvents, recordedStream } from '../testing/job-events';
import type { JobView } from './job-view';
import { KnownPieces } from './piece-ledger';
import { projectStoredEvents, storedJobEventsOf, type ProjectedBatch } from './stored-job-events';

describe('projecting stored events', () => {
  const [a, b] = ['job-a', 'job-b'];
  let prepare = 0n;

  it('folds a batch that interleaves jobs into one view per job', () => {
    const [jobA, jobB] = [jobEvents(a), jobEvents(b)];
    const batch = [stored(a, 0, jobA.requested()), stored(b, 0, jobB.requested()), stored(a, 1, jobA.planningStarted()), stored(b, 1, jobB.cancelling()), stored(b, 2, jobB.cancelled())];

    const { views, changes } = project(new Map(), batch);

    expect(views.map((view) => [view.jobId, view.status, view.revision])).toEqual([
      [a, 'Planning', 1],
      [b, 'Cancelled', 2],
    ]);
    expect(changes.map((view) => [view.jobId, view.status, view.revision])).toEqual([
      [a, 'Requested', 0],
      [b, 'Requested', 0],
      [a, 'Planning', 1],
      [b, 'Cancelling', 1],
      [b, 'Cancelled', 2],
    ]);
  });

  it('returns no view for a batch that was applied already', () => {
    const job = jobEvents(a);
    const batch = [stored(a, 0, job.requested()), stored(a, 1, job.planningStarted())];
    const [view] = project(new Map(), batch).views;

    expect(project(new Map([[a, view!]]), batch)).toEqual({ views: [], changes: [] });
  });

  it('passes over events of other kinds and job events outside their job stream', () => {
    const job = jobEvents(a);
    const foreign: RecordedEvent = { ...stored(a, 0, job.requested()), type: 'MarkerWritten', streamId: 'markers' };
    const misplaced: RecordedEvent = { ...stored(a, 0, job.requested()), streamId: importJobStreamId(b) };

    expect(project(new Map(), [foreign, misplaced])).toEqual({ views: [], changes: [] });
  });

  it('passes over an event it cannot read, as the side that decides folds the job without it', () => {
    const job = jobEvents(a);
    const completed = job.pieceCompleted(1);
    const unreadable = { ...completed, data: { ...completed.data, rowsProcessed: -1 } };
    const stream = recordedStream(a, [job.requested(), job.planningStarted(), ...job.planned(1), unreadable, job.pieceCompleted(1, { step: 9 })]);

    const [view] = project(new Map(), stream).views;

    expect(view).toMatchObject({ revision: 5, pieces: { completed: 1 }, rows: { processed: 10 }, lastModifiedAt: job.at(9) });
  });

  it('applies a plan recorded whole as its chunk and totals, at the revision of the one event', () => {
    const job = jobEvents(a);
    const stream = recordedStream(a, [job.requested(), job.planningStarted(), job.plannedWhole(2)]);

    const pieces = new KnownPieces();
    const { views, changes } = project(new Map(), stream, pieces);

    expect(changes.map((view) => [view.status, view.revision])).toEqual([
      ['Requested', 0],
      ['Planning', 1],
      ['Processing', 2],
    ]);
    expect(views[0]).toMatchObject({ pieces: { total: 2 }, plannedPieces: 2, bytes: { total: 2000 } });
    expect(pieces.changes()).toEqual([
      { jobId: a, pieceId: 'piece-1', status: 'pending' },
      { jobId: a, pieceId: 'piece-2', status: 'pending' },
    ]);
  });

  function project(current: ReadonlyMap<string, JobView>, events: readonly RecordedEvent[], pieces = new KnownPieces()): ProjectedBatch {
    return projectStoredEvents(current, storedJobEventsOf(events), pieces);
  }

  function stored(jobId: string, revision: number, event: StoredImportJobEvent): RecordedEvent {
    prepare += 1n;
    return {
      id: `${jobId}-${revision}`,
      type: event.type,
      data: event.data as unknown as JsonObject,
      metadata: {},
      streamId: importJobStreamId(jobId),
      streamRevision: BigInt(revision),
      position: { commit: 7n, prepare },
      recordedAt: new Date(),
    };
  }
});
