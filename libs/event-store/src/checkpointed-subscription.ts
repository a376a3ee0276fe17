import { AttemptLedger, withBoundedAttempts } from '@import-jobs/retry';
import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from './event-store';

export interface CheckpointedSubscriptionOptions {
  readonly subscriptionId: string;
  /**
   * Must tolerate seeing an event again: the checkpoint moves after the handler returns, so a
   * crash in between redelivers that event. Handlers that write to PostgreSQL avoid this by moving
   * their own checkpoint in the same transaction as their writes.
   */
  readonly onEvent: (event: RecordedEvent) => Promise<void>;
  /**
   * Settles an event the handler has failed on as often as its limits allow (fails its job, keeps
   * it as a dead letter), after which the subscription moves past it. Without it, a failing event
   * is tried again for as long as it fails.
   */
  readonly settle?: (event: RecordedEvent, error: unknown, attempts: number) => Promise<void>;
  /**
   * Failed attempts per event, held by the subscription's owner so that they are counted across
   * the restarts that follow each failure.
   */
  readonly attempts?: AttemptLedger;
}

/** Raised inside the handler wrapper to end one run of the subscription and start the next. */
class CheckpointMovedElsewhere extends Error {}

/**
 * Subscribes after the stored checkpoint and moves it by compare-and-set after each handled event.
 * A lost compare-and-set means another instance moved the checkpoint: rather than go on from a
 * position it no longer owns (and apply what the other instance applies), the subscription
 * restarts from the stored checkpoint.
 */
export function runCheckpointedSubscription(store: EventStore, { subscriptionId, onEvent, settle, attempts = new AttemptLedger() }: CheckpointedSubscriptionOptions): Subscription {
  let stopped = false;
  const handle = (event: RecordedEvent): Promise<void> =>
    settle ? withBoundedAttempts(`${subscriptionId}/${event.id}`, { ledger: attempts }, () => onEvent(event), (error, tries) => settle(event, error, tries)) : onEvent(event);
  let current: Subscription | undefined;

  const run = async (): Promise<void> => {
    while (!stopped) {
      let checkpoint: GlobalPosition | undefined = await store.checkpoints.read(subscriptionId);
      if (stopped) return;
      current = store.subscribeToAll({
        ...(checkpoint && { after: checkpoint }),
        onEvent: async (event) => {
          await handle(event);
          if (!(await store.checkpoints.store(subscriptionId, checkpoint, event.position))) throw new CheckpointMovedElsewhere();
          checkpoint = event.position;
        },
      });
      try {
        await current.finished;
        return;
      } catch (error) {
        if (!(error instanceof CheckpointMovedElsewhere)) throw error;
      }
    }
  };

  const finished = run();
  return {
    finished,
    stop: async () => {
      stopped = true;
      await current?.stop();
      await finished.catch(() => undefined);
    },
  };
}
