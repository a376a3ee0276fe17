import type { ImportDefinition } from '../import-job/definition';
import type { ImportJobEvent, PieceSpec } from '../import-job/events';
import type { ImportJob, ImportJobDetails } from '../import-job/state';

/**
 * A piece's life outside its job's stream: planned, published as a work item, claimed by the first
 * copy of that item a worker takes, imported (or cancelled, or skipped), and settled by its result.
 * These are the decisions along the way; the job's own events (`decide`) record the settling.
 */

/** All a worker needs to import a planned piece, taken from the job as it was planned. */
export interface PlannedWork {
  readonly jobId: string;
  readonly tenantId: string;
  readonly format: ImportDefinition['format'];
  readonly keyField: ImportDefinition['keyField'];
  readonly schema: ImportDefinition['schema'];
  readonly piece: PieceSpec;
}

export function plannedWorkOf(job: ImportJobDetails, piece: PieceSpec): PlannedWork {
  const { format, keyField, schema } = job.definition;
  return { jobId: job.jobId, tenantId: job.tenantId, format, keyField, schema, piece };
}

/**
 * `import` the piece; `cancel` it, because its job is being cancelled (its result says so, and the
 * job ends once every piece is settled); or `skip` it: it is settled already (a work item delivered
 * again after its result was recorded), its job is failing or over, or the work offered is not the
 * work planned.
 */
export type PieceAdmission = 'import' | 'cancel' | 'skip';

/**
 * Whether a piece offered to a worker is still wanted. `isAsPlanned` compares the offered work with
 * the planned one, in whatever encoding travels: only the service writes work items, yet one that
 * differs in anything from its plan (the object version, range, destination, tenant, format,
 * schema) imports nothing, whoever wrote it.
 */
export function admitPiece(job: ImportJob, pieceId: string, isAsPlanned: (planned: PlannedWork) => boolean): PieceAdmission {
  if (job.status === 'NotStarted' || job.pieces.get(pieceId) !== 'pending') return 'skip';
  // Looked up by position, not searched: a job of n pieces admits n of them.
  const position = job.pieces.positionOf(pieceId);
  const planned = position === undefined ? undefined : job.plan?.[position];
  if (planned?.pieceId !== pieceId || !isAsPlanned(plannedWorkOf(job, planned))) return 'skip';
  if (job.status === 'Cancelling') return 'cancel';
  return job.status === 'Processing' ? 'import' : 'skip';
}

export type WorkToPublish = { readonly kind: 'publish'; readonly work: readonly PlannedWork[] } | { readonly kind: 'skip'; readonly status: ImportJob['status'] };

/**
 * The work items a planned job sends out: one per piece still pending. A cancelling job still gets
 * its pieces, since each must be settled (as cancelled) before the job can end; a job failing or
 * over gets none. Asking again after a crash sends the pending ones again, which is safe: a piece
 * is claimed by one copy and its result counted once.
 */
export function workToPublish(job: ImportJob): WorkToPublish {
  if (job.status !== 'Processing' && job.status !== 'Cancelling') return { kind: 'skip', status: job.status };
  const pending = (job.plan ?? []).filter((piece) => job.pieces.get(piece.pieceId) === 'pending');
  return { kind: 'publish', work: pending.map((piece) => plannedWorkOf(job, piece)) };
}

/** A job every piece of which has settled, waiting for its report and its one terminal event. */
export function needsFinishing(job: ImportJob): boolean {
  return job.status === 'Completing' || job.status === 'Failing';
}

/**
 * The failure lists that go into a job's report: those its pieces' results name, and only where
 * the job's own pieces write (`listLocationOf`): a location a result names anywhere else (another
 * job's list, another bucket) is never read into this job's report.
 */
export function failureListsToReport(events: readonly ImportJobEvent[], listLocationOf: (pieceId: string) => string): string[] {
  return events.flatMap((event) =>
    event.type === 'PieceCompleted.v1' && event.data.failureListLocation !== undefined && event.data.failureListLocation === listLocationOf(event.data.pieceId)
      ? [event.data.failureListLocation]
      : [],
  );
}

/**
 * The first copy of a work item to reach a worker claims its piece, in a stream of its own created
 * once: a planner that crashed after publishing and before its checkpoint publishes the items
 * again, and a worker may take the second copy before the first one's result is recorded, while
 * the job still says "pending". The claim names the copy by its position, so the first copy, read
 * again after an abort, keeps its claim.
 */
export type PieceClaimed = {
  readonly type: 'PieceClaimed.v1';
  readonly data: { readonly jobId: string; readonly pieceId: string; readonly topic: string; readonly partition: number; readonly offset: string };
};

/** Where a work item's copy sits on the pieces topic: the same item published twice is two copies. */
export interface WorkItemCopy {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export function pieceClaimStreamId(jobId: string, pieceId: string): string {
  return `piece-claim-${jobId}-${pieceId}`;
}

export function pieceClaimed(jobId: string, pieceId: string, { topic, partition, offset }: WorkItemCopy): PieceClaimed {
  return { type: 'PieceClaimed.v1', data: { jobId, pieceId, topic, partition, offset } };
}
