import { AttemptLedger, withBoundedAttempts } from '@import-jobs/retry';
import { comparePositions } from './position';
import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from './event-store';

/**
 * How far the stored checkpoint may trail the handled events. A write per event cost more than
 * most handlers (eight checkpoint updates a piece across the service's subscriptions); a crash now
 * redelivers at most this much, which handlers tolerate anyway.
 */
export interface CheckpointCadence {
  /** Stored once this many events are handled since the last store. */
  readonly events: number;
  /** Stored this long after the first event handled since the last store, however few. */
  readonly ms: number;
}

const defaultCheckpointCadence: CheckpointCadence = { events: 100, ms: 250 };

export interface CheckpointedSubscriptionOptions {
  readonly subscriptionId: string;
  /**
   * Must tolerate seeing an event again: the checkpoint moves some time after the handler returns
   * (`cadence`), so a crash in between redelivers the events handled since it last moved. Handlers
   * that write to PostgreSQL avoid this by moving their own checkpoint in the same transaction as
   * their writes.
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
  readonly cadence?: CheckpointCadence;
}

/** Ends one run of the subscription and starts the next from the stored checkpoint. */
class CheckpointMovedElsewhere extends Error {}

/**
 * Subscribes after the stored checkpoint and moves it by compare-and-set as events are handled
 * (every `cadence`, and at stop). A lost compare-and-set means another instance moved the
 * checkpoint: rather than go on from a position it no longer owns (and apply what the other
 * instance applies), the subscription restarts from the stored checkpoint.
 */
export function runCheckpointedSubscription(
  store: EventStore,
  { subscriptionId, onEvent, settle, attempts = new AttemptLedger(), cadence = defaultCheckpointCadence }: CheckpointedSubscriptionOptions,
): Subscription {
  if (!(cadence.events >= 1 && cadence.ms >= 0)) throw new RangeError(`a checkpoint cadence needs at least 1 event and 0 ms, not ${JSON.stringify(cadence)}`);
  let stopped = false;
  const handle = (event: RecordedEvent): Promise<void> =>
    settle ? withBoundedAttempts(`${subscriptionId}/${event.id}`, { ledger: attempts }, () => onEvent(event), (error, tries) => settle(event, error, tries)) : onEvent(event);
  let current: Subscription | undefined;

  const run = async (): Promise<void> => {
    while (!stopped) {
      const stored = await store.checkpoints.read(subscriptionId);
      if (stopped) return;
      let endedBy: unknown;
      const end = (reason: unknown): void => {
        endedBy ??= reason;
        void current?.stop();
      };
      const checkpoint = new TrailingCheckpoint(store, subscriptionId, stored, cadence, end);
      current = store.subscribeToAll({
        ...(stored && { after: stored }),
        onEvent: async (event) => {
          await handle(event);
          await checkpoint.handled(event.position);
        },
      });
      try {
        await current.finished;
      } catch (error) {
        endedBy ??= error;
      }
      // What was handled is stored even when a handler failed: the next run starts after it.
      if (!(endedBy instanceof CheckpointMovedElsewhere)) {
        const kept = await checkpoint.flush().catch((error: unknown) => {
          endedBy ??= error;
          return true;
        });
        if (!kept) endedBy ??= new CheckpointMovedElsewhere();
      }
      checkpoint.dispose();
      if (endedBy === undefined) return;
      if (!(endedBy instanceof CheckpointMovedElsewhere)) throw endedBy;
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

/**
 * The position handled last and the position stored, one store at a time. A store that fails or
 * is lost ends the run through `end`, as a failing handler would.
 */
class TrailingCheckpoint {
  private latest: GlobalPosition | undefined;
  private sinceStored = 0;
  private timer: NodeJS.Timeout | undefined;
  private storing: Promise<boolean> = Promise.resolve(true);

  constructor(
    private readonly store: EventStore,
    private readonly subscriptionId: string,
    private stored: GlobalPosition | undefined,
    private readonly cadence: CheckpointCadence,
    private readonly end: (reason: unknown) => void,
  ) {
    this.latest = stored;
  }

  async handled(position: GlobalPosition): Promise<void> {
    this.latest = position;
    this.sinceStored += 1;
    if (this.sinceStored >= this.cadence.events) {
      if (!(await this.flush())) throw new CheckpointMovedElsewhere();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush().then(
          (kept) => kept || this.end(new CheckpointMovedElsewhere()),
          (error: unknown) => this.end(error),
        );
      }, this.cadence.ms);
    }
  }

  /** Stores the latest handled position; false when another instance moved the checkpoint first. */
  flush(): Promise<boolean> {
    this.dispose();
    const store = async (): Promise<boolean> => {
      const next = this.latest;
      if (next === undefined || (this.stored !== undefined && comparePositions(next, this.stored) <= 0)) return true;
      this.sinceStored = 0;
      const moved = await this.store.checkpoints.store(this.subscriptionId, this.stored, next);
      if (moved) this.stored = next;
      return moved;
    };
    this.storing = this.storing.then(store, store);
    return this.storing;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
