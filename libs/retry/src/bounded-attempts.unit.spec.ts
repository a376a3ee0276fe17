import { AttemptLedger, withBoundedAttempts } from './bounded-attempts';

class Fault extends Error {
  readonly retriable = true;
}

describe('bounded attempts', () => {
  const limits = { maxAttempts: 3, maxAttemptsOnFaults: 5 };

  async function deliveries(errorOf: () => Error, times: number, ledger = new AttemptLedger()) {
    const outcomes: string[] = [];
    for (let delivery = 0; delivery < times; delivery++) {
      outcomes.push(
        await withBoundedAttempts(
          'topic/0/42',
          { ledger, limits },
          () => Promise.reject(errorOf()),
          async (_, attempts) => `settled after ${attempts}`,
        ).catch(() => 'thrown'),
      );
    }
    return outcomes;
  }

  it('settles a message that fails for itself on its third attempt', async () => {
    expect(await deliveries(() => new TypeError('bad message'), 3)).toEqual(['thrown', 'thrown', 'settled after 3']);
  });

  it('waits out more faults that say a retry may cure them, yet not forever', async () => {
    expect(await deliveries(() => new Fault('store away'), 5)).toEqual(['thrown', 'thrown', 'thrown', 'thrown', 'settled after 5']);
  });

  it('waits out faults for the least window as well, however fast the attempts come', async () => {
    let now = 0;
    const ledger = new AttemptLedger(10, () => now);
    const windowed = { ...limits, minFaultWindowMs: 60_000 };
    const deliver = (error: Error) =>
      withBoundedAttempts('topic/0/7', { ledger, limits: windowed }, () => Promise.reject(error), async (_, attempts) => `settled after ${attempts}`).catch(() => 'thrown');

    const outcomes: string[] = [];
    for (; now < 60_000; now += 5_000) outcomes.push(await deliver(new Fault('store away')));
    expect(outcomes).toHaveLength(12);
    expect(new Set(outcomes)).toEqual(new Set(['thrown']));
    expect(await deliver(new Fault('store away'))).toBe('settled after 13');
    // A message failing for itself is not held for the window.
    expect(await deliveries(() => new TypeError('bad message'), 3, new AttemptLedger(10, () => now))).toEqual(['thrown', 'thrown', 'settled after 3']);
  });

  it('handles a message normally once what failed it is back, however often it failed before', async () => {
    const ledger = new AttemptLedger();
    await deliveries(() => new TypeError('store away'), 2, ledger);
    expect(await withBoundedAttempts('topic/0/42', { ledger, limits }, async () => 'handled', async () => 'settled')).toBe('handled');
    expect(await deliveries(() => new TypeError('bad again'), 1, ledger)).toEqual(['thrown']);
  });

  it('tries again later when settling itself fails', async () => {
    const ledger = new AttemptLedger();
    const attempt = () =>
      withBoundedAttempts('k', { ledger, limits: { maxAttempts: 1, maxAttemptsOnFaults: 1 } }, () => Promise.reject(new Error('bad')), () => Promise.reject(new Error('broker away')));
    await expect(attempt()).rejects.toThrow('broker away');
    await expect(attempt()).rejects.toThrow('broker away');
  });

  it('forgets the oldest messages past its capacity', () => {
    const ledger = new AttemptLedger(2);
    ledger.failed('a');
    ledger.failed('b');
    ledger.failed('c');
    expect(ledger.failed('a').count).toBe(1);
    expect(ledger.failed('c').count).toBe(2);
  });
});
