import { isMarkedRetriable } from './retry';

/** How often one message may fail before it is settled instead of tried again. */
export interface AttemptLimits {
  /** For errors that do not say a retry may cure them: the message itself is the likely cause. */
  readonly maxAttempts: number;
  /**
   * For errors marked retriable (a store or broker away): higher, so that an outage is waited out
   * rather than turned into settled messages, yet bounded, so that a message that only ever meets
   * "retriable" errors cannot stall its partition for good.
   */
  readonly maxAttemptsOnFaults: number;
  /**
   * For errors marked retriable, also the least time since the message first failed: how fast
   * attempts come depends on who redelivers and on the machine's load, and an outage of seconds
   * must not use up a count meant for one of minutes. 0 when absent.
   */
  readonly minFaultWindowMs?: number;
}

export const defaultAttemptLimits: AttemptLimits = { maxAttempts: 3, maxAttemptsOnFaults: 25, minFaultWindowMs: 60_000 };

interface Failures {
  readonly count: number;
  readonly since: number;
}

export interface FailureTally {
  readonly count: number;
  /** Since the first of them. */
  readonly failingForMs: number;
}

/**
 * Failed attempts per message (its topic, partition and offset, or its event position), kept by
 * the process that tries it. Bounded: the oldest entries go first, and losing one only gives its
 * message a few more attempts.
 */
export class AttemptLedger {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one more failed attempt at `key`, and says how many there have been and for how long. */
  failed(key: string): FailureTally {
    const now = this.now();
    const before = this.failures.get(key);
    const failures = { count: (before?.count ?? 0) + 1, since: before?.since ?? now };
    this.failures.delete(key);
    this.failures.set(key, failures);
    if (this.failures.size > this.capacity) this.failures.delete(this.failures.keys().next().value as string);
    return { count: failures.count, failingForMs: now - failures.since };
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * Tries `attempt`; when it fails for the last time its limits allow, `settle` decides what becomes
 * of the message (a failure recorded, a rejection, a dead letter) and the caller moves on. Every
 * delivery tries `attempt` first, so a message that failed only while a dependency was away is
 * handled normally once it is back. A `settle` that throws leaves the message to be tried again.
 */
export async function withBoundedAttempts<Result>(
  key: string,
  { ledger, limits = defaultAttemptLimits }: { ledger: AttemptLedger; limits?: AttemptLimits },
  attempt: () => Promise<Result>,
  settle: (error: unknown, attempts: number) => Promise<Result>,
): Promise<Result> {
  try {
    const result = await attempt();
    ledger.forget(key);
    return result;
  } catch (error) {
    const { count, failingForMs } = ledger.failed(key);
    const exhausted = isMarkedRetriable(error)
      ? count >= limits.maxAttemptsOnFaults && failingForMs >= (limits.minFaultWindowMs ?? 0)
      : count >= limits.maxAttempts;
    if (!exhausted) throw error;
    const settled = await settle(error, count);
    ledger.forget(key);
    return settled;
  }
}
