import { jsonMessageCodec, type MessageProducer } from '@import-jobs/messaging';
import type { Log } from '../shared/log';

/** What a piece in hand has read so far; nothing of it is committed. */
export interface PieceFigures {
  /** Rows read, the failed ones among them. */
  readonly rowsRead: number;
  readonly rowsFailed: number;
  /** Bytes of the source read (compressed ones for a gzip object). */
  readonly bytesRead: number;
}

/**
 * A worker's word on a piece in hand, on the piece-progress topic. It is sent outside the piece's
 * transaction and may be lost, late or from an attempt that will abort: it moves a progress bar,
 * never a count of record.
 */
export interface PieceProgress extends PieceFigures {
  readonly type: 'PieceProgress';
  readonly version: 1;
  readonly jobId: string;
  readonly tenantId: string;
  readonly pieceId: string;
  /** When the figures were taken, by the worker's clock: the clock of the piece's `finishedAt`. */
  readonly at: string;
}

// Ids are the service's own UUIDs and short names; a longer one is not the service's.
const maxIdLength = 200;
/**
 * Deflate inflates a byte to at most 1,032: a row takes a byte at least (its line end), so no
 * piece reads more rows than this many times its bytes, even a gzip one.
 */
const mostRowsPerByte = 1_032;

const isId = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.length <= maxIdLength;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export const pieceProgressCodec = jsonMessageCodec<PieceProgress>({
  'PieceProgress.v1': ({ jobId, tenantId, pieceId, rowsRead, rowsFailed, bytesRead, at }) =>
    isId(jobId) &&
    isId(tenantId) &&
    isId(pieceId) &&
    isCount(rowsRead) &&
    isCount(rowsFailed) &&
    rowsFailed <= rowsRead &&
    isCount(bytesRead) &&
    rowsRead <= bytesRead * mostRowsPerByte &&
    typeof at === 'string' &&
    at.length <= 40 &&
    Number.isFinite(Date.parse(at)),
});

export interface PieceProgressTarget {
  readonly producer: MessageProducer;
  readonly topic: string;
  readonly log: Log;
  readonly now?: () => Date;
}

/**
 * Sends a piece's figures without waiting for the broker: the piece never waits for its progress.
 * At most one send is in flight; figures taken while one is still on its way are dropped, since
 * the next ones will say more. A failed send costs only that report, and is logged at debug.
 */
export function pieceProgressReporter(
  { producer, topic, log, now = () => new Date() }: PieceProgressTarget,
  piece: { readonly jobId: string; readonly tenantId: string; readonly pieceId: string },
): (figures: PieceFigures) => void {
  let sending = false;
  return ({ rowsRead, rowsFailed, bytesRead }) => {
    if (sending) return;
    sending = true;
    const message: PieceProgress = { type: 'PieceProgress', version: 1, ...piece, rowsRead, rowsFailed, bytesRead, at: now().toISOString() };
    // Keyed by job, as its results are: one job's figures stay in one partition, in order.
    producer
      .send([{ topic, key: piece.jobId, value: pieceProgressCodec.encode(message) }])
      .catch((error: unknown) => log.debug(`The progress of piece ${piece.pieceId} of job ${piece.jobId} was not sent`, { error: String(error) }))
      .finally(() => (sending = false));
  };
}
