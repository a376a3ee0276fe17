import type { PieceWorkItem } from '@import-jobs/messaging';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import type { PieceAdmission } from './piece-worker';

/**
 * Decides from the job's own stream whether a piece is still wanted: a cancelling job's pieces are
 * cancelled, not imported; a piece already settled (a work item delivered again after its result
 * was recorded) or of a job that is failing or over is skipped, so its records are not published
 * a second time.
 */
export function pieceAdmissionFromJob(commands: ImportJobCommands): (item: PieceWorkItem) => Promise<PieceAdmission> {
  return async ({ jobId, piece }) => {
    const { job } = await commands.load(jobId);
    if (job.status === 'NotStarted' || job.pieces.get(piece.pieceId) !== 'pending') return 'skip';
    if (job.status === 'Cancelling') return 'cancel';
    return job.status === 'Processing' ? 'import' : 'skip';
  };
}
