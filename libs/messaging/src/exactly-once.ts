import { offsetAfter, type IncomingMessage } from './messages';
import type { BatchHandler, MessagingAdmin, MessageContext, Transaction, TransactionalProducer } from './ports';

/**
 * The transactional id that owns the output of one consumed partition. kafkajs has only the
 * pre-KIP-447 transaction protocol, where the broker fences a producer only when another one
 * registers the same transactional id; the id must therefore follow the partition, not the process,
 * so that whichever member holds the partition next fences the one that held it before.
 * Topic names cannot contain ':', so the last two fields are unambiguous whatever the group id holds.
 */
export function transactionalIdFor(groupId: string, topic: string, partition: number): string {
  return `${groupId}:${topic}:${partition}`;
}

export interface ExactlyOnceOptions {
  /** The group of the consumer this handler is given to, which must run with `autoCommit: false`. */
  readonly groupId: string;
  readonly transactions: TransactionalProducer;
  readonly admin: Pick<MessagingAdmin, 'fetchCommittedOffsets'>;
  /**
   * Handles one message inside its own transaction, writing its output with `transaction.send`. The
   * message's offset joins the transaction afterwards. Returning `replaceOutput(...)` aborts what it
   * sent and commits the replacement with the offset instead. Throwing aborts the transaction, and
   * the message is delivered again: throw only for faults that a retry can cure.
   */
  readonly process: (message: IncomingMessage, transaction: Transaction, context: MessageContext) => Promise<void | OutputReplacement>;
}

/** Output sent for a message that must not become visible, and what to commit for the message instead. */
export interface OutputReplacement {
  readonly replacement: (transaction: Transaction) => Promise<void>;
}

/**
 * For a message whose work went wrong after it sent output (a piece that failed half-way): the
 * output so far is aborted and `replacement` (its failure, say) commits with the message's offset,
 * in the next transaction of the same id, without reading the message again.
 */
export function replaceOutput(replacement: (transaction: Transaction) => Promise<void>): OutputReplacement {
  return { replacement };
}

/** Carries a replacement out of the transaction it aborts. */
class OutputDiscarded extends Error {
  constructor(readonly replacement: OutputReplacement['replacement']) {
    super('The output of this message is discarded for its replacement');
  }
}

/**
 * Consume-transform-produce with exactly-once output for read_committed readers: each message's
 * output and its consumed offset are committed in one transaction, so a message counts as consumed
 * exactly when its output is visible.
 */
export function exactlyOnceBatchHandler({ groupId, transactions, admin, process }: ExactlyOnceOptions): BatchHandler {
  return async ({ topic, partition, messages }, context) => {
    const transactionalId = transactionalIdFor(groupId, topic, partition);
    const firstMessage = messages[0];
    if (firstMessage && (await transactions.initTransactions(transactionalId))) {
      // The consumer read its start offset before the registration above fenced the partition's
      // previous holder, which may have committed more since: only the offset read now is final.
      const committed = await committedOffset(admin, groupId, topic, partition);
      if (committed !== null && BigInt(committed) > BigInt(firstMessage.offset)) {
        context.seek(committed);
        return;
      }
    }
    for (const message of messages) {
      if (!context.isRunning() || context.isStale()) return;
      const consumed = { consumerGroupId: groupId, topic, partition, offset: offsetAfter(message) };
      try {
        await transactions
          .withTransaction(transactionalId, async (transaction) => {
            const outcome = await process(message, transaction, { heartbeat: () => context.heartbeat() });
            if (outcome !== undefined) throw new OutputDiscarded(outcome.replacement);
            await transaction.sendOffsets(consumed);
          })
          .catch(async (error: unknown) => {
            if (!(error instanceof OutputDiscarded)) throw error;
            // The id is ours until another holder registers it, so nothing can commit this offset in
            // between; if one does, this commit is fenced and the message is read again by it.
            await transactions.withTransaction(transactionalId, async (transaction) => {
              await error.replacement(transaction);
              await transaction.sendOffsets(consumed);
            });
          });
      } catch (error) {
        // The consumer has already fetched past this message; without the seek its next fetch would
        // skip it. The offset is exact when the abort succeeded; if instead the producer was dropped,
        // the next batch registers the id again and corrects it from the broker.
        context.seek(message.offset);
        throw error;
      }
      context.resolveOffset(message.offset);
      await context.heartbeat();
    }
  };
}

async function committedOffset(
  admin: Pick<MessagingAdmin, 'fetchCommittedOffsets'>,
  groupId: string,
  topic: string,
  partition: number,
): Promise<string | null> {
  const offsets = await admin.fetchCommittedOffsets(groupId, topic);
  return offsets.find((committed) => committed.partition === partition)?.offset ?? null;
}
