export { diffJobViews, type JobViewDifference } from './job-status/job-view-diff';
export { decodeJobCursor, encodeJobCursor, InvalidCursorError, type JobCursor } from './job-status/job-cursor';
export { toJobProgress, type JobProgress } from './job-status/job-progress';
export { toJobResource, type JobResource } from './job-status/job-resource';
export {
  jobStatusProjectionName,
  ProjectionLagError,
  startJobStatusProjector,
  type JobStatusProjector,
  type JobStatusProjectorOptions,
  type JobViewListener,
} from './job-status/job-status-projector';
export { defaultPageSize, JobStatusQueries, maxPageSize, type JobPage, type ListJobsOptions } from './job-status/job-status-queries';
export { type EventMeta, type JobView } from './job-status/job-view';
export { projectJobStream } from './job-status/stored-job-events';
export type { JobViewFilter, JobViewReader } from './job-status/job-view-reader';
export type { JobViewChange, JobViewChangeListener, JobViewChangeListening } from './job-status/job-view-notifications';
export {
  CheckpointConflictError,
  PostgreSqlJobViews,
  type PostgreSqlJobViewsOptions,
} from './job-status/postgresql-job-views';
export { rebuildJobViews, swapJobViews, type RebuildJobViewsOptions, type RebuildResult, type SwapJobViewsOptions } from './job-status/rebuild-job-views';
