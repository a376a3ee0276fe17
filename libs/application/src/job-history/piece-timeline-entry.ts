// No imports: the status page's browser script, a program of its own, reads this type too.

/** One settled piece on a job's timeline: when a worker claimed it, when its result was recorded, what it imported. */
export interface PieceTimelineEntry {
  readonly pieceId: string;
  /** When the worker that imported it claimed it; null for a piece cancelled before any worker took it. */
  readonly claimedAt: string | null;
  readonly settledAt: string;
  readonly outcome: 'completed' | 'failed' | 'cancelled';
  readonly rowsProcessed: number;
  readonly rowsFailed: number;
}
