import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls a condition until it holds or the deadline passes. Used wherever a server or a test must
 * wait for something to become true: a deadline, never a fixed sleep.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | false | undefined | null>,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== false && result !== undefined && result !== null) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await delay(intervalMs);
  }
}
