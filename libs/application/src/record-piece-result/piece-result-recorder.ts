import { DomainError } from '@import-jobs/domain';
import { pieceResultCodec, type ImportJobTopics, type IncomingMessage, type Messaging } from '@import-jobs/messaging';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import type { Log } from '../shared/log';

export interface PieceResultRecorderOptions {
  readonly messaging: Messaging;
  readonly commands: ImportJobCommands;
  readonly topics: ImportJobTopics;
  readonly groupId: string;
  readonly log: Log;
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
export async function startPieceResultRecorder({ messaging, commands, topics, groupId, log }: PieceResultRecorderOptions): Promise<PieceResultRecorder> {
  const consumer = messaging.createConsumer({ groupId, autoCommit: true });

  const record = async (message: IncomingMessage): Promise<void> => {
    const decoded = pieceResultCodec.decode(message.value);
    if (!decoded.ok) {
      // Only the service writes this topic, so this is a bug or an incompatible deployment: keep
      // going, and leave a trace with where the message sits.
      log.error('Skipping an unreadable piece result', { ...where(message), reason: decoded.reason, detail: decoded.detail });
      return;
    }
    const { jobId, pieceId, outcome, finishedAt } = decoded.message;
    try {
      await commands.execute({ type: 'RecordPieceResult.v1', data: { jobId, pieceId, outcome }, metadata: { now: finishedAt } });
    } catch (error) {
      // A refused result (unknown job or piece, a job cancelled before planning) changes nothing
      // and never will on a retry; anything else is thrown so the consumer redelivers it.
      if (!(error instanceof DomainError)) throw error;
      log.warn('Piece result refused by its job', { ...where(message), jobId, pieceId, code: error.code, reason: error.message });
    }
  };

  await consumer.run({ topics: [topics.pieceResults], fromBeginning: true, eachMessage: record });
  return { stop: () => consumer.stop(), finished: consumer.finished };
}

function where(message: IncomingMessage): Record<string, unknown> {
  return { topic: message.topic, partition: message.partition, offset: message.offset };
}
