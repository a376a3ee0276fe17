import { randomUUID } from 'node:crypto';
import type { Messaging } from '@import-jobs/messaging';
import type { Log } from '../shared/log';
import type { RunningTask } from '../shared/supervise';
import type { InFlightPieces } from './in-flight-pieces';
import { pieceProgressCodec } from './piece-progress';

export interface PieceProgressListenerOptions {
  readonly messaging: Messaging;
  readonly topic: string;
  /** The start of the group id: each listener adds a part of its own. */
  readonly groupPrefix: string;
  readonly pieces: InFlightPieces;
  readonly log: Log;
}

/**
 * Reads every piece's figures into `pieces`. Every API process streams every job, so each reads
 * the whole topic in a group of its own; it starts from the newest figures, since older ones are
 * stale by the time it is up, and commits no offsets, since a restart wants the newest again.
 * A message it cannot read is skipped: figures are best effort, and nothing of it reaches a client.
 */
export async function listenForPieceProgress({ messaging, topic, groupPrefix, pieces, log }: PieceProgressListenerOptions): Promise<RunningTask> {
  const consumer = messaging.createConsumer({ groupId: `${groupPrefix}.${randomUUID()}`, autoCommit: false });
  await consumer.run({
    topics: [topic],
    fromBeginning: false,
    eachMessage: async ({ value, partition, offset }) => {
      const decoded = pieceProgressCodec.decode(value);
      if (decoded.ok) pieces.record(decoded.message);
      else log.debug('A piece-progress message that does not decode is skipped', { partition, offset, reason: decoded.reason });
    },
  });
  return consumer;
}
