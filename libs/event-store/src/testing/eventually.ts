import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls until `probe` returns something other than false/undefined, or fails after the deadline,
 * saying what it waited for and the last error the probe threw. Tests wait on conditions, never
 * for fixed times: a loaded machine only makes them slower.
 */
export async function eventually<T>(
  what: string | (() => string),
  probe: () => Promise<T | false | undefined>,
  { timeoutMs = 30_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== false && result !== undefined) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      const description = typeof what === 'string' ? what : what();
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${cause}`, { cause: lastError });
    }
    await delay(intervalMs);
  }
}
