import { type Messaging, type OutgoingMessage, type Transaction } from '@import-jobs/messaging';
import { pieceResultCodec } from '@import-jobs/application/messages';
import type { ServiceMetrics } from './service-metrics';

/**
 * The piece worker's messaging, counting each piece result it commits: a piece is imported in one
 * transaction together with its result, so a committed result is exactly one imported piece, and
 * an aborted transaction (a piece read again later) counts nothing.
 */
export function measuredPieceTransactions(messaging: Messaging, metrics: ServiceMetrics, pieceResultsTopic: string): Messaging {
  const { transactions } = messaging;
  return {
    producer: messaging.producer,
    admin: messaging.admin,
    createConsumer: (options) => messaging.createConsumer(options),
    close: () => messaging.close(),
    transactions: {
      initTransactions: (transactionalId) => transactions.initTransactions(transactionalId),
      async withTransaction(transactionalId, work) {
        const started = performance.now();
        const results: OutgoingMessage[] = [];
        const outcome = await transactions.withTransaction(transactionalId, (transaction) =>
          work({
            async send(messages) {
              await transaction.send(messages);
              results.push(...messages.filter((message) => message.topic === pieceResultsTopic));
            },
            sendOffsets: (offset) => transaction.sendOffsets(offset),
          } satisfies Transaction),
        );
        const seconds = (performance.now() - started) / 1000;
        for (const { value } of results) {
          const decoded = pieceResultCodec.decode(value);
          if (decoded.ok) metrics.pieceSettled(decoded.message.outcome, seconds);
        }
        return outcome;
      },
    },
  };
}
