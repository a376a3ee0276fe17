import { WrongExpectedRevisionError, type EventStore } from '@import-jobs/event-store';
import type { ImportJobDetails } from '@import-jobs/domain';
import { pieceWorkItemCodec, type PieceWorkItem } from '@import-jobs/messaging';
import { workItemOf } from '../plan-import/publish-pieces';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import { uuidV5 } from '../import-job/uuid-v5';
import type { PieceAdmission, WorkItemCopy } from './piece-worker';

/**
 * Decides from the job's own stream whether a piece is still wanted: a cancelling job's pieces are
 * cancelled, not imported; a piece already settled (a work item delivered again after its result
 * was recorded) or of a job that is failing or over is skipped, so its records are not published
 * a second time.
 *
 * A piece to import is then claimed by the copy of its work item at hand. A planner that stopped
 * after publishing a job's work items and before its checkpoint moved publishes them again, and a
 * worker may take the second copy before the first one's result is recorded, when the job's stream
 * still says "pending". The claim closes that gap: the first copy to arrive claims the piece (a
 * stream of its own, created once), and any other copy is skipped. Copies share a partition (work
 * items are keyed by piece id) and are read in order, so the first copy's transaction has committed
 * or aborted before a second copy is read; the claim names the copy by its offset, so the first
 * copy itself, read again after an abort, keeps its claim (appending the same event is a no-op).
 */
export function pieceAdmissionFromJob(commands: ImportJobCommands, store: EventStore): (item: PieceWorkItem, copy: WorkItemCopy) => Promise<PieceAdmission> {
  return async (item, copy) => {
    const { jobId, piece } = item;
    const { job } = await commands.load(jobId);
    if (job.status === 'NotStarted' || job.pieces.get(piece.pieceId) !== 'pending') return 'skip';
    if (!isAsPlanned(job, item)) return 'skip';
    if (job.status === 'Cancelling') return 'cancel';
    if (job.status !== 'Processing') return 'skip';
    return (await claimPiece(store, jobId, piece.pieceId, copy)) ? 'import' : 'skip';
  };
}

/**
 * Only the service writes the pieces topic, yet a work item is imported only as its job planned
 * it: the same object version, range, destination, tenant, format and schema. One that differs in
 * anything (written by someone who reached the topic, or a bug) imports nothing.
 */
function isAsPlanned(job: ImportJobDetails, item: PieceWorkItem): boolean {
  // Looked up by position, not searched: a job of n pieces admits n of them.
  const position = job.pieces.positionOf(item.piece.pieceId);
  const planned = position === undefined ? undefined : job.plan?.[position];
  return planned?.pieceId === item.piece.pieceId && pieceWorkItemCodec.encode(workItemOf(job, planned)) === pieceWorkItemCodec.encode(item);
}

async function claimPiece(store: EventStore, jobId: string, pieceId: string, { topic, partition, offset }: WorkItemCopy): Promise<boolean> {
  const claim = { id: uuidV5(`piece-claim/${jobId}/${pieceId}/${topic}/${partition}/${offset}`), type: 'PieceClaimed.v1', data: { jobId, pieceId, topic, partition, offset } };
  try {
    await store.appendToStream(`piece-claim-${jobId}-${pieceId}`, [claim], { expectedRevision: 'no_stream' });
    return true;
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return false;
    throw error;
  }
}
