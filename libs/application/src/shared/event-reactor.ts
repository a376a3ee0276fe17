import { setTimeout as delay } from 'node:timers/promises';
import { runCheckpointedSubscription, type EventStore, type RecordedEvent, type Subscription } from '@import-jobs/event-store';
import type { Log } from './log';

export interface EventReactorOptions {
  readonly subscriptionId: string;
  /** Must be idempotent: an event handled just before a crash is delivered again. */
  readonly onEvent: (event: RecordedEvent) => Promise<void>;
  readonly log: Log;
  /** Pause before resubscribing after a failure; a store outage must not make the reactor spin. */
  readonly restartDelayMs?: number;
}

export interface EventReactor {
  stop(): Promise<void>;
}

/**
 * A checkpointed subscription that outlives failures: when the handler or the store fails, the
 * reactor logs it, waits, and resumes from the stored checkpoint, redelivering the failed event.
 */
export function startEventReactor(store: EventStore, { subscriptionId, onEvent, log, restartDelayMs = 1_000 }: EventReactorOptions): EventReactor {
  const stopping = new AbortController();
  let current: Subscription | undefined;

  const run = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      current = runCheckpointedSubscription(store, { subscriptionId, onEvent });
      try {
        await current.finished;
      } catch (error) {
        if (stopping.signal.aborted) return;
        log.error(`Subscription ${subscriptionId} failed; resuming from its checkpoint`, { error: String(error) });
        await delay(restartDelayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  };
  const running = run();

  return {
    async stop() {
      stopping.abort();
      await current?.stop();
      await running;
    },
  };
}
