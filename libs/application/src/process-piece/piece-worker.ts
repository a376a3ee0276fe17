import { consoleLog, type Log } from '../shared/log';
import type { PieceAdmission, PieceOutcome, WorkItemCopy } from '@import-jobs/domain';
import { exactlyOnceBatchHandler, replaceOutput, quoted, quoteMessage, sendDeadLetter, positionKey, type BatchHandler, type IncomingMessage, type Messaging, type OutgoingMessage } from '@import-jobs/messaging';
import { pieceResultCodec, pieceWorkItemCodec, type ImportJobTopics, type PieceWorkItem } from '../messages';
import { AttemptLedger, withBoundedAttempts, type AttemptLimits, type RetryPolicy } from '@import-jobs/retry';
import type { ObjectStore } from '@import-jobs/sources';
import { pieceProgressReporter } from '../job-progress/piece-progress';
import { PieceInterruptedError, processPiece, type PieceLimits } from './piece-processor';
import { RowValidators } from './row-validators';


export interface PieceWorkerOptions {
  readonly messaging: Messaging;
  readonly objectStore: ObjectStore;
  readonly topics: Pick<ImportJobTopics, 'pieces' | 'pieceResults' | 'deadLetters' | 'pieceProgress'>;
  readonly groupId: string;
  /** The service's own bucket for the failure lists of pieces. */
  readonly failuresBucket: string;
  readonly limits?: Partial<PieceLimits>;
  readonly readRetry?: RetryPolicy;
  readonly log?: Log;
  /** The clock of each result's `finishedAt`. */
  readonly now?: () => Date;
  /**
   * Asked before a piece is imported: whether its job still wants it. Without it, every piece is
   * imported.
   */
  readonly admission?: (item: PieceWorkItem, copy: WorkItemCopy) => Promise<PieceAdmission>;
  /**
   * How long `stop()` lets the piece in hand run to its commit before giving it up (its transaction
   * aborted, its work item left for the next holder of the partition). Waits for it when absent.
   */
  readonly stopGraceMs?: number;
  /**
   * Failed attempts per work item, kept across restarts of the worker by its owner: a piece that
   * fails every attempt is failed for good after a few, instead of holding its partition forever.
   */
  readonly attempts?: AttemptLedger;
  /** How many failed attempts a piece is given; `defaultAttemptLimits` when absent. */
  readonly attemptLimits?: AttemptLimits;
  /**
   * Pieces imported at once, each from its own partition of the pieces topic and in its own
   * transaction (its own transactional producer): while one waits for the broker's acknowledgements,
   * another reads and encodes rows. 1 when absent.
   */
  readonly piecesInFlight?: number;
}

export interface PieceWorker {
  /**
   * Takes no more work, lets the piece in hand commit or, past `stopGraceMs`, aborts it; then leaves
   * the group and disconnects the consumer.
   */
  stop(): Promise<void>;
  /** Rejects when the worker's consumer crashed for good: its supervisor then starts a new worker. */
  readonly finished: Promise<void>;
}


/**
 * A member of the worker group on the pieces topic. Each work item is imported in one Kafka
 * transaction that holds the piece's records, its PieceResult and the work item's consumed offset:
 * a read_committed reader sees all three or none, however often the worker dies or the group
 * rebalances (see `exactlyOnceBatchHandler`). Resolves once the group has given it partitions.
 *
 * A failed piece keeps none of its records, yet its result and offset must still commit exactly
 * once: its transaction is aborted and the result commits with the offset in the next one
 * (`replaceOutput`). A worker that dies in between leaves the offset uncommitted, and whoever reads
 * it next fails the piece again from the source.
 *
 * Faults a retry may cure (S3 busy, Kafka errors, a rebalance, the failures bucket unwritable) abort
 * the transaction and are thrown to the consumer, which reads the work item again after its backoff.
 *
 * The same work item published twice (at two offsets) would be imported twice, each copy in its own
 * transaction: `admission` must let only one copy through (see `pieceAdmissionFromJob`).
 */
export async function startPieceWorker(options: PieceWorkerOptions): Promise<PieceWorker> {
  const { messaging, groupId } = options;
  const consumer = messaging.createConsumer({ groupId, autoCommit: false });
  const stopping = new AbortController();
  // Work items published before the group first joined are work all the same.
  await consumer.run({
    topics: [options.topics.pieces],
    fromBeginning: true,
    partitionsAtOnce: options.piecesInFlight ?? 1,
    eachBatch: pieceBatchHandler(options, stopping.signal),
  });
  return {
    finished: consumer.finished,
    async stop() {
      const giveUp = options.stopGraceMs === undefined ? undefined : setTimeout(() => stopping.abort(), options.stopGraceMs);
      try {
        await consumer.stop();
      } finally {
        clearTimeout(giveUp);
      }
    },
  };
}

function pieceBatchHandler(options: PieceWorkerOptions, stopping: AbortSignal): BatchHandler {
  const { messaging, objectStore, topics, groupId, failuresBucket, limits, readRetry, log = consoleLog, now = () => new Date(), admission, attempts = new AttemptLedger(), attemptLimits } = options;
  const validators = new RowValidators();
  const progressTarget = { producer: messaging.producer, topic: topics.pieceProgress, log, now };
  return exactlyOnceBatchHandler({
    groupId,
    transactions: messaging.transactions,
    admin: messaging.admin,
    process: async (message, transaction, context) => {
      const decoded = pieceWorkItemCodec.decode(message.value);
      if (!decoded.ok) {
        // Without a job id there is nobody to give a result to: it is kept for an operator, in the
        // same transaction as the offset that moves on past it.
        log.error('A work item that does not decode goes to the dead letters', { ...positionOf(message), reason: decoded.reason, detail: decoded.detail });
        await sendDeadLetter(transaction, topics.deadLetters, { consumer: groupId, reason: `unreadable work item: ${decoded.reason}: ${decoded.detail}`, message: quoteMessage(message) });
        return;
      }
      const item = decoded.message;
      const admitted = admission ? await admission(item, { topic: message.topic, partition: message.partition, offset: message.offset }) : 'import';
      if (admitted === 'skip') return;
      if (admitted === 'cancel') {
        await transaction.send([resultMessage(topics.pieceResults, item, { kind: 'cancelled' }, now())]);
        return;
      }
      let outcome: PieceOutcome;
      try {
        outcome = await withBoundedAttempts(
          positionKey(message),
          { ledger: attempts, ...(attemptLimits && { limits: attemptLimits }) },
          () =>
            processPiece(item, transaction, {
              objectStore,
              failuresBucket,
              validators,
              heartbeat: context.heartbeat,
              limits,
              readRetry,
              stopping,
              reportProgress: pieceProgressReporter(progressTarget, { jobId: item.jobId, tenantId: item.tenantId, pieceId: item.piece.pieceId }),
            }),
          async (error, tries) => {
            // Giving up on a piece whose worker is stopping would fail it for the worker's sake.
            if (error instanceof PieceInterruptedError) throw error;
            return { kind: 'failed', reason: { code: 'ATTEMPTS_EXHAUSTED', message: quoted(`gave up after ${tries} attempts: ${messageOf(error)}`) } };
          },
        );
      } catch (error) {
        log.warn(`Piece ${item.piece.pieceId} of job ${item.jobId} is aborted and will be read again`, { ...positionOf(message), error: messageOf(error) });
        throw withRetriableFlag(error);
      }
      const result = resultMessage(topics.pieceResults, item, outcome, now());
      if (outcome.kind === 'failed') {
        log.warn(`Piece ${item.piece.pieceId} of job ${item.jobId} failed (${outcome.reason.code}); its records are discarded`, { reason: outcome.reason });
        return replaceOutput((replacing) => replacing.send([result]));
      }
      await transaction.send([result]);
    },
  });
}

function positionOf({ topic, partition, offset }: IncomingMessage): Record<string, unknown> {
  return { topic, partition, offset };
}

function resultMessage(topic: string, item: PieceWorkItem, outcome: PieceOutcome, finishedAt: Date): OutgoingMessage {
  const { jobId, piece } = item;
  // Keyed by job: one job's results stay in one partition, in the order they committed.
  return {
    topic,
    key: jobId,
    value: pieceResultCodec.encode({ type: 'PieceResult', version: 1, jobId, pieceId: piece.pieceId, outcome, finishedAt: finishedAt.toISOString() }),
  };
}

/**
 * kafkajs stops a consumer for good when its handler throws an error marked non-retriable, or a
 * programming error (a TypeError, say): an error the piece did not expect must not end the worker.
 * Errors that say whether they are retriable (Kafka's, S3's) already told the consumer what to do.
 */
function withRetriableFlag(error: unknown): unknown {
  if (typeof (error as { retriable?: unknown } | null)?.retriable === 'boolean') return error;
  return new PieceAttemptError(`The piece failed unexpectedly and will be read again: ${messageOf(error)}`, { cause: error });
}

class PieceAttemptError extends Error {
  override readonly name = 'PieceAttemptError';
  readonly retriable = true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
