import { jobEvents, recordedStream, rowFailures } from '../testing/job-events';
import type { JobView } from './job-view';
import { diffJobViews } from './job-view-diff';
import { projectJobStream } from './stored-job-events';

describe('job view diff', () => {
  const [first, second] = [view('job-a'), view('job-b')];

  it('finds nothing between equal views, whatever their order or key order', () => {
    expect(diffJobViews([first, second], [second, keysReversed(first)])).toEqual([]);
  });

  it('names the job, the path and both values of every difference', () => {
    const tampered: JobView = {
      ...first,
      rows: { ...first.rows, processed: first.rows.processed + 1 },
      firstFailures: [first.firstFailures[0]!, { ...first.firstFailures[1]!, reason: 'changed' }],
      definition: { ...first.definition, metadata: { owner: 'someone else' } },
    };

    expect(diffJobViews([first], [tampered])).toEqual([
      { jobId: first.jobId, path: 'definition.metadata.owner', left: 'crm-team', right: 'someone else' },
      { jobId: first.jobId, path: 'firstFailures[1].reason', left: 'id: must be a number', right: 'changed' },
      { jobId: first.jobId, path: 'rows.processed', left: 10, right: 11 },
    ]);
  });

  it('shows a job only one side has as a whole view against null', () => {
    expect(diffJobViews([first, second], [first])).toEqual([{ jobId: second.jobId, path: '', left: second, right: null }]);
    expect(diffJobViews([], [second])).toEqual([{ jobId: second.jobId, path: '', left: null, right: second }]);
  });

  it('shows array items and keys only one side has', () => {
    const fewer: JobView = { ...first, firstFailures: first.firstFailures.slice(0, 1), failureReason: null };
    const more: JobView = { ...first, failureReason: { code: 'PIECES_FAILED', message: 'x' } };

    expect(diffJobViews([fewer], [more])).toEqual([
      { jobId: first.jobId, path: 'failureReason', left: null, right: { code: 'PIECES_FAILED', message: 'x' } },
      { jobId: first.jobId, path: 'firstFailures[1]', left: null, right: first.firstFailures[1] },
    ]);
  });

  it('reads a "__proto__" key as a key', () => {
    const withKey = JSON.parse(JSON.stringify(first).replace('"owner"', '"__proto__"')) as JobView;
    expect(diffJobViews([first], [withKey]).map((difference) => difference.path)).toEqual(['definition.metadata.__proto__', 'definition.metadata.owner']);
  });
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

function view(jobId: string): JobView {
  const job = jobEvents(jobId);
  const projected = projectJobStream(recordedStream(jobId, [job.requested(), job.planningStarted(), ...job.planned(1), job.pieceCompleted(1, { rowsFailed: 2, failures: rowFailures(2) })]));
  if (projected === null) throw new Error('a requested job has a view');
  return projected;
}

function keysReversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(keysReversed) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, keysReversed(item)])) as T;
}
