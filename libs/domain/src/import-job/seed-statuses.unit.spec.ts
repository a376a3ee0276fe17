import { seedStatuses, type SeedStatuses } from './seed-statuses';
import type { ImportJobStatus } from './state';

describe('seed statuses', () => {
  it.each<[ImportJobStatus, SeedStatuses['pinpoint'], SeedStatuses['userpilot'], SeedStatuses['qConnect'], boolean, boolean]>([
    ['Requested', 'CREATED', 'queued', 'START_IN_PROGRESS', false, false],
    ['Planning', 'INITIALIZING', 'validating', 'START_IN_PROGRESS', false, false],
    ['Processing', 'PROCESSING', 'processing', 'START_IN_PROGRESS', false, false],
    ['Completing', 'COMPLETING', 'pending_refresh', 'START_IN_PROGRESS', false, false],
    ['Completed', 'COMPLETED', 'completed', 'COMPLETE', true, false],
    ['Failing', 'FAILING', 'failed', 'START_IN_PROGRESS', false, false],
    ['Failed', 'FAILED', 'failed', 'FAILED', true, true],
    ['Cancelling', 'FAILING', 'processing', 'DELETE_IN_PROGRESS', false, false],
    ['Cancelled', 'FAILED', 'failed', 'DELETED', true, true],
  ])('names %s in every seed vocabulary', (status, pinpoint, userpilot, qConnect, completed, failed) => {
    expect(seedStatuses(status)).toEqual({ pinpoint, userpilot, qConnect, lakeFs: { completed, failed } });
  });
});
