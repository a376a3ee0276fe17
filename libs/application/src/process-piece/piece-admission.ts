import { WrongExpectedRevisionError, type EventStore } from '@import-jobs/event-store';
import { admitPiece, pieceClaimed, pieceClaimStreamId, type PieceAdmission, type WorkItemCopy } from '@import-jobs/domain';
import { pieceWorkItemCodec, type PieceWorkItem } from '../messages';
import { workItemOf } from '../plan-import/publish-pieces';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import { uuidV5 } from '../import-job/uuid-v5';

/**
 * Asks the job's own stream whether a piece is still wanted (`admitPiece`), then claims a piece to
 * import for the copy of its work item at hand (`PieceClaimed`): the first copy to arrive claims it,
 * and any other copy is skipped. Copies share a partition (work items are keyed by piece id) and are
 * read in order, so the first copy's transaction has committed or aborted before a second copy is
 * read; the claim's id names the copy, so the first copy itself, read again after an abort, keeps
 * its claim (appending the same event is a no-op).
 */
export function pieceAdmissionFromJob(commands: ImportJobStreams, store: EventStore): (item: PieceWorkItem, copy: WorkItemCopy) => Promise<PieceAdmission> {
  const offered = (item: PieceWorkItem) => pieceWorkItemCodec.encode(item);
  return async (item, copy) => {
    const { jobId, piece } = item;
    const { job } = await commands.load(jobId);
    const admission = admitPiece(job, piece.pieceId, (planned) => pieceWorkItemCodec.encode(workItemOf(planned)) === offered(item));
    if (admission !== 'import') return admission;
    return (await claimPiece(store, jobId, piece.pieceId, copy)) ? 'import' : 'skip';
  };
}

async function claimPiece(store: EventStore, jobId: string, pieceId: string, copy: WorkItemCopy): Promise<boolean> {
  const { topic, partition, offset } = copy;
  const claim = { id: uuidV5(`piece-claim/${jobId}/${pieceId}/${topic}/${partition}/${offset}`), ...pieceClaimed(jobId, pieceId, copy) };
  try {
    await store.appendToStream(pieceClaimStreamId(jobId, pieceId), [claim], { expectedRevision: 'no_stream' });
    return true;
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return false;
    throw error;
  }
}
