import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls a condition until it holds or the deadline passes. Used wherever a server or a test must
 * wait for something to become true: a deadline, never a fixed sleep. An aborted `signal` ends the
 * wait at once with the signal's reason, so a server that has already died is reported as such
 * instead of as a timeout a minute later.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | false | undefined | null>,
  {
    timeoutMs = 30_000,
    intervalMs = 100,
    signal,
  }: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const result = await probe();
      if (result !== false && result !== undefined && result !== null) return result;
    } catch (error) {
      lastError = error;
    }
    signal?.throwIfAborted();
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await delay(intervalMs, undefined, { signal }).catch(() => signal?.throwIfAborted());
  }
}
