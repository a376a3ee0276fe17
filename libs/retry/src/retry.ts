import { setTimeout as delay } from 'node:timers/promises';

/** How often and how patiently a fault a retry may cure is retried. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
}

export interface RetryOptions extends RetryPolicy {
  /** Only faults a retry can cure are retried; a programmer error or bad input fails at once. */
  readonly isRetriable: (error: unknown) => boolean;
  readonly signal?: AbortSignal;
}

/** Whether an error says of itself that a retry may cure it (our errors and kafkajs's carry this). */
export function isMarkedRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Full-jitter exponential backoff, bounded in attempts, so that a fault never makes anything spin. */
export async function retry<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetriable(error) || options.signal?.aborted) throw error;
      const ceiling = Math.min(maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      await delay(Math.random() * ceiling, undefined, { signal: options.signal });
    }
  }
}
