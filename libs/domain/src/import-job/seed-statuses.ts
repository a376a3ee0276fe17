import { assertNever } from '../decider';
import type { ImportJobStatus } from './state';

/** Pinpoint `JobStatus`. It has no cancel: a cancelled job reads as failed. */
export type PinpointJobStatus =
  | 'CREATED'
  | 'PREPARING_FOR_INITIALIZATION'
  | 'INITIALIZING'
  | 'PROCESSING'
  | 'PENDING_JOB'
  | 'COMPLETING'
  | 'COMPLETED'
  | 'FAILING'
  | 'FAILED';

/** Userpilot `status` of `POST /v1/imports`. */
export type UserpilotStatus = 'queued' | 'validating' | 'processing' | 'pending_refresh' | 'completed' | 'failed';

/** Amazon Q in Connect `status`: stopping and removing a job is its "delete". */
export type QConnectStatus = 'START_IN_PROGRESS' | 'FAILED' | 'COMPLETE' | 'DELETE_IN_PROGRESS' | 'DELETE_FAILED' | 'DELETED';

/** lakeFS `ImportStatus`: `completed` and, when it ended badly, an `error`. */
export interface LakeFsStatus {
  readonly completed: boolean;
  readonly failed: boolean;
}

export interface SeedStatuses {
  readonly pinpoint: PinpointJobStatus;
  readonly userpilot: UserpilotStatus;
  readonly qConnect: QConnectStatus;
  readonly lakeFs: LakeFsStatus;
}

/** One status in each vocabulary the service stands in for, so each kind of client reads its own. */
export function seedStatuses(status: ImportJobStatus): SeedStatuses {
  switch (status) {
    case 'Requested':
      return { pinpoint: 'CREATED', userpilot: 'queued', qConnect: 'START_IN_PROGRESS', lakeFs: { completed: false, failed: false } };
    case 'Planning':
      return { pinpoint: 'INITIALIZING', userpilot: 'validating', qConnect: 'START_IN_PROGRESS', lakeFs: { completed: false, failed: false } };
    case 'Processing':
      return { pinpoint: 'PROCESSING', userpilot: 'processing', qConnect: 'START_IN_PROGRESS', lakeFs: { completed: false, failed: false } };
    case 'Completing':
      return { pinpoint: 'COMPLETING', userpilot: 'pending_refresh', qConnect: 'START_IN_PROGRESS', lakeFs: { completed: false, failed: false } };
    case 'Completed':
      return { pinpoint: 'COMPLETED', userpilot: 'completed', qConnect: 'COMPLETE', lakeFs: { completed: true, failed: false } };
    case 'Failing':
      return { pinpoint: 'FAILING', userpilot: 'failed', qConnect: 'START_IN_PROGRESS', lakeFs: { completed: false, failed: false } };
    case 'Failed':
      return { pinpoint: 'FAILED', userpilot: 'failed', qConnect: 'FAILED', lakeFs: { completed: true, failed: true } };
    case 'Cancelling':
      return { pinpoint: 'FAILING', userpilot: 'processing', qConnect: 'DELETE_IN_PROGRESS', lakeFs: { completed: false, failed: false } };
    case 'Cancelled':
      return { pinpoint: 'FAILED', userpilot: 'failed', qConnect: 'DELETED', lakeFs: { completed: true, failed: true } };
    default:
      return assertNever(status);
  }
}
