import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from './log';

/** A long-running part of an app: a subscription, a consumer. `finished` rejects when it failed. */
export interface RunningTask {
  stop(): Promise<void>;
  readonly finished?: Promise<void>;
}

export interface SupervisedTask {
  stop(): Promise<void>;
}

/**
 * Keeps a task running: when it fails to start or fails later (the store or the broker away for
 * longer than its own retries), it is logged and started again after a pause. Tasks resume from
 * their checkpoints or committed offsets, so a restart loses nothing.
 */
export function supervise(name: string, start: () => Promise<RunningTask> | RunningTask, log: Log, restartDelayMs = 2_000): SupervisedTask {
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
  let current: RunningTask | undefined;

  const keepRunning = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      try {
        current = await start();
        if (stopping.signal.aborted) return;
        await Promise.race([current.finished ?? stopped, stopped]);
        if (stopping.signal.aborted) return;
        log.warn(`${name} ended by itself; starting it again`);
      } catch (error) {
        if (stopping.signal.aborted) return;
        log.error(`${name} failed; starting it again`, { error: String(error) });
      }
      current = undefined;
      await delay(restartDelayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };
  const running = keepRunning();

  return {
    async stop() {
      stopping.abort();
      await running;
      await current?.stop();
    },
  };
}
