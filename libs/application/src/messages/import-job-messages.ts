import type { ImportFormat, JsonLineOptions, JsonObject as DomainJsonObject, PieceOutcome, PieceSpec } from '@import-jobs/domain';
import { jsonMessageCodec, type JsonObject } from '@import-jobs/messaging';

// ── Internal messages between the service's own processes ───────────────────────────────────────

/**
 * One planned piece, for the worker group: everything the worker needs to read, check and publish
 * the piece's rows. The worker still asks the job's stream whether the piece is wanted and claims
 * it there (see `pieceAdmissionFromJob`); the work item itself is checked against the plan.
 */
export interface PieceWorkItem {
  readonly type: 'PieceWorkItem';
  readonly version: 1;
  readonly jobId: string;
  readonly tenantId: string;
  readonly format: ImportFormat;
  readonly keyField?: string;
  readonly schema?: DomainJsonObject;
  readonly json?: JsonLineOptions;
  readonly piece: PieceSpec;
}

/** A piece's outcome, written in the same Kafka transaction as the piece's records. */
export interface PieceResult {
  readonly type: 'PieceResult';
  readonly version: 1;
  readonly jobId: string;
  readonly pieceId: string;
  readonly outcome: PieceOutcome;
  readonly finishedAt: string;
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function isPieceSpec(value: unknown): boolean {
  if (!isObject(value) || !isString(value.pieceId) || !isObject(value.object) || !isObject(value.range)) return false;
  const { object, range } = value;
  return (
    isString(object.bucket) &&
    isString(object.key) &&
    typeof object.etag === 'string' &&
    Number.isSafeInteger(range.start) &&
    Number.isSafeInteger(range.end) &&
    (value.compression === 'none' || value.compression === 'gzip') &&
    Number.isSafeInteger(value.firstLine) &&
    isString(value.destinationTopic)
  );
}

function isPieceOutcome(value: unknown): boolean {
  if (!isObject(value)) return false;
  switch (value.kind) {
    case 'completed':
      return (
        Number.isSafeInteger(value.rowsProcessed) &&
        Number.isSafeInteger(value.rowsFailed) &&
        Number.isSafeInteger(value.bytesProcessed) &&
        Array.isArray(value.firstFailures)
      );
    case 'failed':
      return isObject(value.reason) && isString(value.reason.code) && typeof value.reason.message === 'string';
    case 'cancelled':
      return true;
    default:
      return false;
  }
}

export const pieceWorkItemCodec = jsonMessageCodec<PieceWorkItem>({
  'PieceWorkItem.v1': (candidate) =>
    isString(candidate.jobId) &&
    isString(candidate.tenantId) &&
    (candidate.format === 'CSV' || candidate.format === 'JSON') &&
    (candidate.keyField === undefined || isString(candidate.keyField)) &&
    (candidate.schema === undefined || isObject(candidate.schema)) &&
    (candidate.json === undefined || (isObject(candidate.json) && typeof candidate.json.passThrough === 'boolean')) &&
    isPieceSpec(candidate.piece),
});

export const pieceResultCodec = jsonMessageCodec<PieceResult>({
  'PieceResult.v1': (candidate) =>
    isString(candidate.jobId) && isString(candidate.pieceId) && isPieceOutcome(candidate.outcome) && isString(candidate.finishedAt),
});
