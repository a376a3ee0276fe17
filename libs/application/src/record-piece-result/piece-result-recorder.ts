import { DomainError } from '@import-jobs/domain';
import { positionKey, quoteMessage, sendDeadLetter, type IncomingMessage, type Messaging } from '@import-jobs/messaging';
import { pieceResultCodec, type ImportJobTopics } from '../messages';
import { AttemptLedger, withBoundedAttempts } from '@import-jobs/retry';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import type { Log } from '../shared/log';

export interface PieceResultRecorderOptions {
  readonly messaging: Messaging;
  readonly commands: ImportJobStreams;
  readonly topics: ImportJobTopics;
  readonly groupId: string;
  readonly log: Log;
  /** Kept across restarts of the recorder, so that a result failing each time is counted across them. */
  readonly attempts?: AttemptLedger;
}

export interface PieceResultRecorder {
  stop(): Promise<void>;
  /** Rejects when the consumer crashed for good: its supervisor then starts a new recorder. */
  readonly finished: Promise<void>;
}

/**
 * Turns each piece result (read_committed: only results whose piece transaction committed) into
 * the job's PieceCompleted / PieceFailed / PieceCancelled. Delivery is at-least-once; the domain
 * counts a piece once and the event's deterministic id keeps a racing duplicate out of the store.
 */
export async function startPieceResultRecorder({ messaging, commands, topics, groupId, log, attempts = new AttemptLedger() }: PieceResultRecorderOptions): Promise<PieceResultRecorder> {
  const consumer = messaging.createConsumer({ groupId, autoCommit: true });
  const deadLetter = (message: IncomingMessage, reason: string) =>
    sendDeadLetter(messaging.producer, topics.deadLetters, { consumer: groupId, reason, message: quoteMessage(message) });

  const execute = async (message: IncomingMessage, command: Parameters<ImportJobStreams['execute']>[0]): Promise<void> => {
    try {
      await commands.execute(command);
    } catch (error) {
      // A refused result (unknown job or piece, a job cancelled before planning) changes nothing
      // and never will on a retry; anything else is thrown so the consumer redelivers it.
      if (!(error instanceof DomainError)) throw error;
      log.warn('Piece result refused by its job', { ...where(message), jobId: command.data.jobId, code: error.code, reason: error.message });
    }
  };

  const record = async (message: IncomingMessage): Promise<void> => {
    const decoded = pieceResultCodec.decode(message.value);
    if (!decoded.ok) {
      // Only the service writes this topic, so this is a bug or an incompatible deployment: it names
      // no job that could be told, so it is kept for an operator.
      log.error('Unreadable piece result sent to the dead letters', { ...where(message), reason: decoded.reason, detail: decoded.detail });
      return deadLetter(message, `unreadable piece result: ${decoded.reason}: ${decoded.detail}`);
    }
    const { jobId, pieceId, outcome, finishedAt } = decoded.message;
    // A result the job's stream cannot take (too large, or refused by the store whatever is
    // tried) fails its piece instead, with a reason the stream can take: the job ends, and
    // results of other jobs behind it in the partition are recorded.
    await withBoundedAttempts(
      positionKey(message),
      { ledger: attempts },
      () => execute(message, { type: 'RecordPieceResult.v1', data: { jobId, pieceId, outcome }, metadata: { now: finishedAt } }),
      async (error, tries) => {
        log.error('Piece result could not be recorded; failing its piece', { ...where(message), jobId, pieceId, attempts: tries, error: String(error) });
        const reason = { code: 'RESULT_UNRECORDABLE' as const, message: `the piece's result could not be recorded in ${tries} attempts` };
        await execute(message, { type: 'RecordPieceResult.v1', data: { jobId, pieceId, outcome: { kind: 'failed', reason } }, metadata: { now: finishedAt } });
      },
    );
  };

  await consumer.run({ topics: [topics.pieceResults], fromBeginning: true, eachMessage: record });
  return { stop: () => consumer.stop(), finished: consumer.finished };
}

function where(message: IncomingMessage): Record<string, unknown> {
  return { topic: message.topic, partition: message.partition, offset: message.offset };
}
