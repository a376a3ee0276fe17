import { importJobStreamId, type FailureReport, type ImportDefinition, type JobFailureReason, type PieceSpec, type RowFailure, type StoredImportJobEvent } from '@import-jobs/domain';
import type { JsonObject, RecordedEvent } from '@import-jobs/event-store';

/**
 * Builds one job's events as its stream stores them (as `decide` writes them, and a plan recorded
 * whole as older releases wrote it), for projection specs. Time is a step counter from `createdAt`,
 * so that views name predictable instants. Piece n covers bytes [(n-1)·1000, n·1000).
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
    requested: (step = 0): StoredImportJobEvent => ({
      type: 'ImportRequested.v1',
      data: { jobId, tenantId, clientToken: `token-${jobId}`, definition, occurredAt: at(step) },
    }),
    planningStarted: (step = 1): StoredImportJobEvent => ({ type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt: at(step) } }),
    /** A plan of one chunk and its totals. */
    planned: (pieces: number, step = 2): StoredImportJobEvent[] => [
      { type: 'PiecesPlanned.v1', data: { jobId, chunk: 0, pieces: Array.from({ length: pieces }, (_, i) => piece(i + 1)), occurredAt: at(step) } },
      { type: 'ImportPlanned.v2', data: { jobId, pieces, files: 1, totalBytes: pieces * 1000, occurredAt: at(step) } },
    ],
    plannedWhole: (pieces: number, step = 2): StoredImportJobEvent => ({
      type: 'ImportPlanned.v1',
      data: { jobId, pieces: Array.from({ length: pieces }, (_, i) => piece(i + 1)), files: 1, totalBytes: pieces * 1000, occurredAt: at(step) },
    }),
    pieceCompleted: (
      n: number,
      { rowsProcessed = 10, rowsFailed = 0, failures = [] as RowFailure[], step = 3 + n } = {},
    ): StoredImportJobEvent => ({
      type: 'PieceCompleted.v1',
      data: { jobId, pieceId: `piece-${n}`, rowsProcessed, rowsFailed, bytesProcessed: 1000, firstFailures: failures, occurredAt: at(step) },
    }),
    pieceFailed: (n: number, step = 3 + n): StoredImportJobEvent => ({
      type: 'PieceFailed.v1',
      data: { jobId, pieceId: `piece-${n}`, reason: { code: 'SOURCE_CHANGED', message: 'the object changed after planning' }, occurredAt: at(step) },
    }),
    pieceCancelled: (n: number, step = 3 + n): StoredImportJobEvent => ({ type: 'PieceCancelled.v1', data: { jobId, pieceId: `piece-${n}`, occurredAt: at(step) } }),
    completing: (step = 20): StoredImportJobEvent => ({ type: 'ImportCompleting.v1', data: { jobId, occurredAt: at(step) } }),
    failing: (reason: JobFailureReason, step = 20): StoredImportJobEvent => ({ type: 'ImportFailing.v1', data: { jobId, reason, occurredAt: at(step) } }),
    cancelling: (step = 20): StoredImportJobEvent => ({ type: 'ImportCancelling.v1', data: { jobId, reason: 'asked to', occurredAt: at(step) } }),
    completed: (failureReport?: FailureReport, step = 21): StoredImportJobEvent => ({
      type: 'ImportCompleted.v1',
      data: { jobId, ...(failureReport && { failureReport }), occurredAt: at(step) },
    }),
    jobFailed: (reason: JobFailureReason, failureReport?: FailureReport, step = 21): StoredImportJobEvent => ({
      type: 'JobFailed.v1',
      data: { jobId, reason, ...(failureReport && { failureReport }), occurredAt: at(step) },
    }),
    cancelled: (step = 21): StoredImportJobEvent => ({ type: 'ImportCancelled.v1', data: { jobId, occurredAt: at(step) } }),
  };
}

export function rowFailures(count: number, { from = 2, file = 's3://imports/customers.csv' } = {}): RowFailure[] {
  return Array.from({ length: count }, (_, i) => ({ file, line: from + i, reason: 'id: must be a number' }));
}

/**
 * The events as the store records them in the job's stream, each at the next revision from `from`
 * and its position after it. The data is anything: a stored event is input like any other.
 */
export function recordedStream(jobId: string, events: readonly { readonly type: string; readonly data: unknown }[], from = 0): RecordedEvent[] {
  return events.map((event, index) => {
    const revision = BigInt(from + index);
    return {
      id: `${jobId}-${revision}`,
      type: event.type,
      data: event.data as JsonObject,
      metadata: {},
      streamId: importJobStreamId(jobId),
      streamRevision: revision,
      position: { commit: 100n + revision, prepare: 1000n + revision },
      recordedAt: new Date('2026-03-02T08:00:00.000Z'),
    };
  });
}
