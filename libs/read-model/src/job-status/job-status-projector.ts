import { comparePositions, type EventStore, type GlobalPosition, type RecordedEvent, type Subscription } from '@import-jobs/event-store';
import { BatchWriter } from './batch-writer';
import type { JobView } from './job-view';
import { CheckpointConflictError, type PostgreSqlJobViews } from './postgresql-job-views';

/** The projection's name in the checkpoint table, unless a deployment runs several. */
export const jobStatusProjectionName = 'job-status';

export interface JobStatusProjectorOptions {
  readonly store: EventStore;
  readonly views: PostgreSqlJobViews;
  readonly projectionName: string;
  /** Most events applied in one transaction while catching up; defaults to 200. */
  readonly maxBatchSize?: number;
}

/** Called after each commit with every view it changed; a listener that throws is ignored. */
export type JobViewListener = (view: JobView) => void;

export interface JobStatusProjector {
  /** Stops after writing what was delivered; never rejects. */
  stop(): Promise<void>;
  /**
   * Resolves after `stop()`; rejects when the store or the read model failed, which ends the
   * projector (a host that wants it to outlive outages restarts it: it resumes from its checkpoint).
   * Losing the checkpoint to another instance is not a failure: the projector resumes from it.
   */
  readonly finished: Promise<void>;
  /**
   * Resolves once this projector's checkpoint is at or past `position` (an append's position), so
   * that a caller can read its own write.
   * @throws ProjectionLagError after `timeoutMs`, or when the projector ends before getting there.
   */
  waitForPosition(position: GlobalPosition, timeoutMs: number): Promise<void>;
  /** Returns the function that removes the listener. */
  onViewChanged(listener: JobViewListener): () => void;
}

/** The read model has not caught up with a position yet; the write itself happened. */
export class ProjectionLagError extends Error {
  readonly code = 'PROJECTION_LAGGING';
  readonly retriable = true;

  constructor(projection: string, position: GlobalPosition, reason: string, options?: ErrorOptions) {
    super(`projection ${projection} has not reached position ${position.commit}/${position.prepare}: ${reason}`, options);
    this.name = new.target.name;
  }
}

/**
 * Follows the store from the projection's stored checkpoint and keeps the job views up to date.
 * Every batch of events is applied in one transaction with its checkpoint, moved by compare-and-set
 * from the value this instance read: several instances may run, and each event is applied once.
 */
export function startJobStatusProjector({ store, views, projectionName, maxBatchSize = 200 }: JobStatusProjectorOptions): JobStatusProjector {
  const progress = new Progress(projectionName);
  const listeners = new Set<JobViewListener>();
  let stopping = false;
  let current: Subscription | undefined;

  const notify = (changed: readonly JobView[]): void => {
    for (const view of changed) {
      for (const listener of listeners) {
        try {
          listener(view);
        } catch {
          // A listener (a client's live stream) must not stop the read model for everyone.
        }
      }
    }
  };

  /** One subscription from the stored checkpoint; true when it must start again from the new one. */
  const follow = async (): Promise<boolean> => {
    let checkpoint = await views.readCheckpoint(projectionName);
    progress.reached(checkpoint);
    if (stopping) return false;
    const writer = new BatchWriter<RecordedEvent>(async (batch) => {
      const changed = await views.applyEvents(projectionName, checkpoint, batch);
      checkpoint = batch[batch.length - 1]?.position;
      progress.reached(checkpoint);
      notify(changed);
    }, maxBatchSize);
    const subscription = store.subscribeToAll({ ...(checkpoint && { after: checkpoint }), onEvent: (event) => writer.add(event) });
    current = subscription;
    try {
      await Promise.race([subscription.finished, writer.failed]);
      await writer.flush();
      return false;
    } catch (error) {
      await subscription.stop();
      await writer.abandon();
      if (error instanceof CheckpointConflictError) return !stopping;
      throw error;
    }
  };

  const run = async (): Promise<void> => {
    while (await follow());
  };
  const finished = run();
  finished.then(
    () => progress.end(undefined),
    (error: unknown) => progress.end(error),
  );

  return {
    finished,
    stop: async () => {
      stopping = true;
      await current?.stop();
      await finished.catch(() => undefined);
    },
    waitForPosition: (position, timeoutMs) => progress.wait(position, timeoutMs),
    onViewChanged: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

interface Waiter {
  readonly position: GlobalPosition;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The projector's checkpoint as it commits, and the callers waiting for it to reach a position. */
class Progress {
  private checkpoint: GlobalPosition | undefined;
  private ended: { readonly error: unknown } | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly projection: string) {}

  reached(checkpoint: GlobalPosition | undefined): void {
    this.checkpoint = checkpoint;
    for (const waiter of this.waiters) {
      if (this.isAtOrPast(waiter.position)) waiter.resolve();
    }
  }

  end(error: unknown): void {
    this.ended = { error };
    for (const waiter of this.waiters) waiter.reject(this.endedError(waiter.position, error));
  }

  wait(position: GlobalPosition, timeoutMs: number): Promise<void> {
    if (this.isAtOrPast(position)) return Promise.resolve();
    if (this.ended) return Promise.reject(this.endedError(position, this.ended.error));
    return new Promise<void>((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        outcome();
      };
      const waiter: Waiter = { position, resolve: () => settle(resolve), reject: (error) => settle(() => reject(error)) };
      const timer = setTimeout(() => waiter.reject(new ProjectionLagError(this.projection, position, `still behind after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private endedError(position: GlobalPosition, error: unknown): ProjectionLagError {
    return new ProjectionLagError(this.projection, position, 'the projector ended', error === undefined ? undefined : { cause: error });
  }

  private isAtOrPast(position: GlobalPosition): boolean {
    return this.checkpoint !== undefined && comparePositions(this.checkpoint, position) >= 0;
  }
}
