import type { FailureReport, ImportDefinition, ImportJobEvent, JobFailureReason, PieceSpec, RowFailure } from '@import-jobs/domain';

/**
 * Builds one job's events as `decide` writes them, for projection specs. Time is a step counter
 * from `createdAt`, so that views name predictable instants.
 */
export function jobEvents(jobId: string, { tenantId = 'tenant-a', createdAt = '2026-03-01T10:00:00.000Z' } = {}) {
  const at = (step: number): string => new Date(Date.parse(createdAt) + step * 1000).toISOString();
  const definition: ImportDefinition = {
    jobType: 'CUSTOMERS',
    format: 'CSV',
    sources: [{ url: 's3://imports/customers.csv', type: 'object' }],
    destinationTopic: 'customers.imported',
    metadata: { owner: 'crm-team' },
    failurePolicy: { maxFailedRowRatio: 0.5 },
  };
  const piece = (n: number): PieceSpec => ({
    pieceId: `piece-${n}`,
    object: { bucket: 'imports', key: 'customers.csv', etag: '"etag-1"', size: 4000 },
    range: { start: (n - 1) * 1000, end: n * 1000 },
    compression: 'none',
    firstLine: (n - 1) * 10 + 2,
    csvHeader: ['id', 'name'],
    destinationTopic: definition.destinationTopic,
  });
  return {
    at,
    definition,
    requested: (step = 0): ImportJobEvent => ({
      type: 'ImportRequested.v1',
      data: { jobId, tenantId, clientToken: `token-${jobId}`, definition, occurredAt: at(step) },
    }),
    planningStarted: (step = 1): ImportJobEvent => ({ type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt: at(step) } }),
    planned: (pieces: number, step = 2): ImportJobEvent => {
      const specs = Array.from({ length: pieces }, (_, i) => piece(i + 1));
      return { type: 'ImportPlanned.v1', data: { jobId, pieces: specs, files: 1, totalBytes: pieces * 1000, occurredAt: at(step) } };
    },
    pieceCompleted: (
      n: number,
      { rowsProcessed = 10, rowsFailed = 0, failures = [] as RowFailure[], step = 3 + n } = {},
    ): ImportJobEvent => ({
      type: 'PieceCompleted.v1',
      data: { jobId, pieceId: `piece-${n}`, rowsProcessed, rowsFailed, bytesProcessed: 1000, firstFailures: failures, occurredAt: at(step) },
    }),
    pieceFailed: (n: number, step = 3 + n): ImportJobEvent => ({
      type: 'PieceFailed.v1',
      data: { jobId, pieceId: `piece-${n}`, reason: { code: 'SOURCE_CHANGED', message: 'the object changed after planning' }, occurredAt: at(step) },
    }),
    pieceCancelled: (n: number, step = 3 + n): ImportJobEvent => ({ type: 'PieceCancelled.v1', data: { jobId, pieceId: `piece-${n}`, occurredAt: at(step) } }),
    completing: (step = 20): ImportJobEvent => ({ type: 'ImportCompleting.v1', data: { jobId, occurredAt: at(step) } }),
    failing: (reason: JobFailureReason, step = 20): ImportJobEvent => ({ type: 'ImportFailing.v1', data: { jobId, reason, occurredAt: at(step) } }),
    cancelling: (step = 20): ImportJobEvent => ({ type: 'ImportCancelling.v1', data: { jobId, reason: 'asked to', occurredAt: at(step) } }),
    completed: (failureReport?: FailureReport, step = 21): ImportJobEvent => ({
      type: 'ImportCompleted.v1',
      data: { jobId, ...(failureReport && { failureReport }), occurredAt: at(step) },
    }),
    jobFailed: (reason: JobFailureReason, failureReport?: FailureReport, step = 21): ImportJobEvent => ({
      type: 'JobFailed.v1',
      data: { jobId, reason, ...(failureReport && { failureReport }), occurredAt: at(step) },
    }),
    cancelled: (step = 21): ImportJobEvent => ({ type: 'ImportCancelled.v1', data: { jobId, occurredAt: at(step) } }),
  };
}

export function rowFailures(count: number, { from = 2, file = 's3://imports/customers.csv' } = {}): RowFailure[] {
  return Array.from({ length: count }, (_, i) => ({ file, line: from + i, reason: 'id: must be a number' }));
}
