import type { PieceStatus } from '@import-jobs/domain';

/** One planned piece of one job and where it stands. */
export interface PieceEntry {
  readonly jobId: string;
  readonly pieceId: string;
  readonly status: PieceStatus;
}

/**
 * Each planned piece's status, kept beside the job views rather than in them: the guard that counts a
 * piece's result once. A view holds counts only, so that its size, and the cost of applying an
 * event to it, do not grow with the job's pieces.
 */
export interface PieceLedger {
  /** Undefined for a piece never planned. */
  statusOf(jobId: string, pieceId: string): PieceStatus | undefined;
  record(jobId: string, pieceId: string, status: PieceStatus): void;
}

/**
 * The pieces a batch of events names, as read before applying it, and what the batch changed: the
 * store reads and writes these rows only, never a job's other pieces.
 */
export class KnownPieces implements PieceLedger {
  private readonly byJob = new Map<string, Map<string, PieceStatus>>();
  private readonly changed = new Map<string, Map<string, PieceStatus>>();

  constructor(entries: Iterable<PieceEntry> = []) {
    for (const { jobId, pieceId, status } of entries) this.piecesOf(this.byJob, jobId).set(pieceId, status);
  }

  statusOf(jobId: string, pieceId: string): PieceStatus | undefined {
    return this.byJob.get(jobId)?.get(pieceId);
  }

  record(jobId: string, pieceId: string, status: PieceStatus): void {
    this.piecesOf(this.byJob, jobId).set(pieceId, status);
    this.piecesOf(this.changed, jobId).set(pieceId, status);
  }

  /** Each piece recorded since construction, once, with its last status. */
  changes(): PieceEntry[] {
    return [...this.changed].flatMap(([jobId, pieces]) => [...pieces].map(([pieceId, status]) => ({ jobId, pieceId, status })));
  }

  private piecesOf(map: Map<string, Map<string, PieceStatus>>, jobId: string): Map<string, PieceStatus> {
    let pieces = map.get(jobId);
    if (pieces === undefined) map.set(jobId, (pieces = new Map()));
    return pieces;
  }
}
