import type { ImportDefinition } from '../import-job/definition';
import type { ImportJobEvent, PieceSpec } from '../import-job/events';
import { plannedPieceAt, plannedPiecesFrom, type ImportJob, type ImportJobDetails } from '../import-job/state';

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
  readonly json?: ImportDefinition['json'];
  readonly piece: PieceSpec;
}

export function plannedWorkOf(job: ImportJobDetails, piece: PieceSpec): PlannedWork {
  const { format, keyField, schema, json } = job.definition;
  return { jobId: job.jobId, tenantId: job.tenantId, format, keyField, schema, ...(json !== undefined && { json }), piece };
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
  const planned = position === undefined ? undefined : plannedPieceAt(job, position);
  if (planned?.pieceId !== pieceId || !isAsPlanned(plannedWorkOf(job, planned))) return 'skip';
  if (job.status === 'Cancelling') return 'cancel';
  // A recorded chunk's pieces are imported while the rest of the plan is still being found.
  return job.status === 'Processing' || job.status === 'Planning' ? 'import' : 'skip';
}

/**
 * What a job's publisher remembers of the job's turn: the pieces it sent out and has not seen
 * settle yet, and the plan position from which it looks for the next pending pieces to send. Every
 * pending piece before `next` is among `out`. A publisher that remembers nothing (just started, or
 * restarted) starts from `nothingOut`, and so sends the job's current turn again: safe, since a piece
 * is claimed by one copy of its work item and its result counted once.
 */
export interface PiecesOut {
  readonly out: readonly string[];
  readonly next: number;
}

export const nothingOut: PiecesOut = { out: [], next: 0 };

export type PiecesInTurn =
  | { readonly kind: 'turn'; readonly work: readonly PlannedWork[]; readonly cancel: readonly string[]; readonly sent: PiecesOut }
  | { readonly kind: 'skip'; readonly status: ImportJob['status'] };

/**
 * What a job does now: its turn is its first `maxOut` pending pieces in plan order, among the
 * chunks recorded so far (a job still planning takes turns too, and its next chunk extends the
 * pieces it has to send), and `work` those of them not sent yet (`sent` is then what the publisher remembers). Jobs share the
 * workers in the order their work items reach the topic: with at most `maxOut` of a job's pieces
 * out at once, released as they settle, a job of thousands of pieces holds another job's first
 * piece back by at most `maxOut` pieces, not by its whole backlog. A job failing or over sends
 * nothing.
 *
 * A cancelling job still sends its turn, to be settled by workers (a piece in flight finishes, the
 * others are settled as cancelled), and `cancel` names every pending piece after the turn, for the
 * publisher to settle as cancelled itself: a piece never sent need not wait its turn on the topic to
 * be cancelled. Only pieces after the turn, since those were never sent: a pending piece, once in its
 * job's turn, stays in it until it settles (only pieces before it can settle meanwhile). That holds
 * for one `maxOut`: a piece sent under a larger one (before a restart that lowered it) may be
 * cancelled here while a worker imports it, and its records delivered though it counts as cancelled.
 *
 * The publisher's memory (`PiecesOut`), not a search of the plan, finds the turn: the search would
 * cost the whole plan for each piece settled, n² over a job of n pieces. From the memory it costs
 * `maxOut` look-ups and a scan from `next` that, over the job's life, passes each piece once.
 */
export function piecesInTurn(job: ImportJob, { out, next }: PiecesOut, maxOut: number): PiecesInTurn {
  if (job.status !== 'Planning' && job.status !== 'Processing' && job.status !== 'Cancelling') return { kind: 'skip', status: job.status };
  const isPending = (piece: PieceSpec) => job.pieces.get(piece.pieceId) === 'pending';
  const stillOut = out.filter((pieceId) => job.pieces.get(pieceId) === 'pending');
  const due: PieceSpec[] = [];
  let position = next;
  const recorded = plannedPiecesFrom(job, next);
  while (stillOut.length + due.length < maxOut) {
    const { value: piece, done } = recorded.next();
    if (done) break;
    if (isPending(piece)) due.push(piece);
    position += 1;
  }
  const cancel = job.status === 'Cancelling' ? [...recorded].filter(isPending) : [];
  return {
    kind: 'turn',
    work: due.map((piece) => plannedWorkOf(job, piece)),
    cancel: cancel.map((piece) => piece.pieceId),
    sent: { out: [...stillOut, ...due.map((piece) => piece.pieceId)], next: job.status === 'Cancelling' ? job.pieces.size : position },
  };
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
