import type { JobProgress } from '@import-jobs/read-model';
import type { PieceFigures, PieceProgress } from './piece-progress';

/**
 * A job's figures between two committed versions: what the version says, and what its pieces in
 * hand have read since. Nothing here is committed: an attempt that aborts reads its rows again.
 */
export interface InFlightProgress {
  readonly jobId: string;
  /** The committed version these figures add to. */
  readonly version: number;
  /** Pieces that reported rows read since that version. */
  readonly piecesInHand: number;
  /** The version's rows processed and failed, plus those the pieces in hand have read. */
  readonly rows: { readonly read: number; readonly failed: number };
  /** The version's bytes processed, plus those the pieces in hand have read, of the job's total. */
  readonly bytes: { readonly read: number; readonly total: number };
}

export interface InFlightLimits {
  /** Pieces followed at once: the oldest news goes first beyond it. */
  readonly maxPieces: number;
  /** A piece silent this long has committed, failed, or lost its worker: its figures are dropped. */
  readonly forgetAfterMs: number;
}

export const defaultInFlightLimits: InFlightLimits = { maxPieces: 10_000, forgetAfterMs: 60_000 };

interface PieceNews extends PieceFigures {
  readonly tenantId: string;
  readonly jobId: string;
  readonly pieceId: string;
  /** By the worker's clock. */
  readonly takenAt: number;
  /** By this process's clock. */
  readonly heardAt: number;
}

/**
 * The latest figures of each piece in hand, as its worker reported them, for the live progress of
 * the API's streams. Memory is bounded (`maxPieces`, and a piece is forgotten after
 * `forgetAfterMs` without news). Figures are only ever added to a committed version of the job
 * when they were taken after it, so that a piece whose rows that version already counts is not
 * counted twice, and only for the job's own tenant. A piece's figures and the version that counts
 * its rows are timed by the same worker's clock (the result's `finishedAt`); another worker's clock
 * running behind only holds its figures back until it passes the version's time.
 */
export class InFlightPieces {
  /** Every piece, the one heard from longest ago first. */
  private readonly byRecency = new Map<string, PieceNews>();
  private readonly byJob = new Map<string, Map<string, PieceNews>>();

  constructor(
    private readonly limits: InFlightLimits = defaultInFlightLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byRecency.size;
  }

  /** Keeps the piece's newest figures; false when they are refused (older than what is kept, or from the future). */
  record(progress: PieceProgress): boolean {
    const heardAt = this.now();
    const takenAt = Date.parse(progress.at);
    // A clock far ahead would keep its figures above every commit: they are not believed.
    if (takenAt > heardAt + this.limits.forgetAfterMs) return false;
    const { tenantId, jobId, pieceId, rowsRead, rowsFailed, bytesRead } = progress;
    const key = JSON.stringify([jobId, pieceId]);
    const known = this.byRecency.get(key);
    if (known !== undefined && known.takenAt >= takenAt) return false;
    this.forget(key);
    const news: PieceNews = { tenantId, jobId, pieceId, rowsRead, rowsFailed, bytesRead, takenAt, heardAt };
    this.byRecency.set(key, news);
    let pieces = this.byJob.get(jobId);
    if (pieces === undefined) this.byJob.set(jobId, (pieces = new Map()));
    pieces.set(pieceId, news);
    this.dropStale(heardAt);
    return true;
  }

  /** A committed version of the job: figures taken before it are counted there or will be reported anew. */
  committed({ jobId, lastModifiedAt }: JobProgress): void {
    const committedAt = Date.parse(lastModifiedAt);
    for (const news of this.byJob.get(jobId)?.values() ?? []) {
      if (news.takenAt <= committedAt) this.forget(JSON.stringify([jobId, news.pieceId]));
    }
  }

  /**
   * The job's figures on top of `committed`, a version of a job of `tenantId`; undefined when no
   * piece of it reported since.
   */
  onTopOf(tenantId: string, committed: JobProgress): InFlightProgress | undefined {
    const { jobId, version, rows, bytes, lastModifiedAt } = committed;
    const committedAt = Date.parse(lastModifiedAt);
    const heardSince = this.now() - this.limits.forgetAfterMs;
    let piecesInHand = 0;
    let rowsRead = 0;
    let rowsFailed = 0;
    let bytesRead = 0;
    for (const news of this.byJob.get(jobId)?.values() ?? []) {
      // Another tenant's word on this job, or a piece reading more than the job holds, is not the job's.
      if (news.tenantId !== tenantId || news.takenAt <= committedAt || news.heardAt < heardSince) continue;
      if (bytes.total > 0 && news.bytesRead > bytes.total - bytes.processed) continue;
      piecesInHand++;
      rowsRead += news.rowsRead;
      rowsFailed += news.rowsFailed;
      bytesRead += news.bytesRead;
    }
    if (piecesInHand === 0) return undefined;
    return {
      jobId,
      version,
      piecesInHand,
      rows: { read: rows.processed + rowsRead, failed: rows.failed + rowsFailed },
      bytes: { read: bytes.total > 0 ? Math.min(bytes.total, bytes.processed + bytesRead) : bytes.processed + bytesRead, total: bytes.total },
    };
  }

  private dropStale(now: number): void {
    for (const [key, news] of this.byRecency) {
      if (this.byRecency.size <= this.limits.maxPieces && news.heardAt >= now - this.limits.forgetAfterMs) return;
      this.forget(key);
    }
  }

  private forget(key: string): void {
    const news = this.byRecency.get(key);
    if (news === undefined) return;
    this.byRecency.delete(key);
    const pieces = this.byJob.get(news.jobId);
    pieces?.delete(news.pieceId);
    if (pieces?.size === 0) this.byJob.delete(news.jobId);
  }
}
