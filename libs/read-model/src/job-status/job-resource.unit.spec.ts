import type { StoredImportJobEvent } from '@import-jobs/domain';
import { jobEvents, recordedStream, rowFailures } from '../testing/job-events';
import { toJobResource } from './job-resource';
import type { JobView } from './job-view';
import { projectJobStream } from './stored-job-events';

const jobId = 'job-1';
const job = jobEvents(jobId);
const report = { location: 's3://reports/job/failures.csv', rows: 3 };

describe('job resource', () => {
  describe('when the job is processing', () => {
    const view = viewAfter(job.requested(), job.planningStarted(4), job.planned(3), job.pieceCompleted(1, { rowsProcessed: 10, rowsFailed: 3, failures: rowFailures(3, { from: 7 }) }), job.pieceFailed(2));

    it('answers with our names', () => {
      expect(toJobResource(view)).toMatchObject({
        id: jobId,
        type: 'CUSTOMERS',
        status: 'Processing',
        statuses: { pinpoint: 'PROCESSING', userpilot: 'processing', qConnect: 'START_IN_PROGRESS', lakeFs: { completed: false, failed: false } },
        definition: job.definition,
        pieces: { total: 3, completed: 1, failed: 1 },
        rows: { processed: 10, failed: 3, imported: 7 },
        bytes: { total: 3000, processed: 1000 },
        failures: rowFailures(3, { from: 7 }),
        failureReason: null,
        failureReport: null,
        failedRecordReport: null,
        urlExpiry: null,
        createdAt: job.at(0),
        completedAt: null,
        lastModifiedAt: job.at(5),
      });
    });

    it('answers with Pinpoint names, failures as "line N of file: reason"', () => {
      expect(toJobResource(view)).toMatchObject({
        JobStatus: 'PROCESSING',
        TotalPieces: 3,
        CompletedPieces: 1,
        FailedPieces: 1,
        TotalProcessed: 10,
        TotalFailures: 3,
        Failures: [
          'line 7 of s3://imports/customers.csv: id: must be a number',
          'line 8 of s3://imports/customers.csv: id: must be a number',
          'line 9 of s3://imports/customers.csv: id: must be a number',
        ],
        CreationDate: job.at(0),
        CompletionDate: null,
      });
    });

    it('answers with Userpilot names, its numbers as strings', () => {
      expect(toJobResource(view)).toMatchObject({ job_id: jobId, total_rows: '10', file_size: '3000', start_time: job.at(4), end_time: null });
    });
  });

  describe('when the job has finished', () => {
    it('gives the completion time and the failure report without its link', () => {
      const view = viewAfter(job.requested(), job.planningStarted(), job.planned(1), job.pieceCompleted(1), job.completing(), job.completed(report, 30));

      expect(toJobResource(view)).toMatchObject({
        status: 'Completed',
        statuses: { pinpoint: 'COMPLETED', userpilot: 'completed', qConnect: 'COMPLETE', lakeFs: { completed: true, failed: false } },
        failureReport: report,
        failedRecordReport: null,
        completedAt: job.at(30),
        CompletionDate: job.at(30),
        end_time: job.at(30),
      });
    });

    it('reads a cancelled job as failed in Pinpoint and deleted in Q in Connect', () => {
      const view = viewAfter(job.requested(), job.cancelling(), job.cancelled());
      expect(toJobResource(view)).toMatchObject({ status: 'Cancelled', JobStatus: 'FAILED', statuses: { qConnect: 'DELETED' }, start_time: null });
    });
  });

  it('shows at most the 100 failures the view keeps', () => {
    const view = viewAfter(job.requested(), job.planningStarted(), job.planned(2), job.pieceCompleted(1, { rowsProcessed: 90, rowsFailed: 90, failures: rowFailures(90) }), job.pieceCompleted(2, { rowsProcessed: 90, rowsFailed: 90, failures: rowFailures(90, { from: 500 }) }));
    const resource = toJobResource(view);
    expect(resource.failures).toHaveLength(100);
    expect(resource.Failures).toHaveLength(100);
    expect(resource.TotalFailures).toBe(180);
  });

  it('is plain JSON', () => {
    const resource = toJobResource(viewAfter(job.requested()));
    expect(JSON.parse(JSON.stringify(resource))).toEqual(resource);
  });
});

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

function viewAfter(...events: (StoredImportJobEvent | readonly StoredImportJobEvent[])[]): JobView {
  const view = projectJobStream(recordedStream(jobId, events.flat()));
  if (view === null) throw new Error('a requested job has a view');
  return view;
}
