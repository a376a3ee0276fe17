import type { Pool, PoolClient } from 'pg';

/**
 * Wakes one subscription loop. A signal that arrives while the loop is busy is remembered, so that
 * an append committed between a read and the next wait is never slept through.
 */
export class Wakeup {
  private pending = false;
  private wake: (() => void) | undefined;

  signal(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Called just before a read: what the read will see needs no further wake-up. */
  clear(): void {
    this.pending = false;
  }

  async wait(timeoutMs: number): Promise<void> {
    if (this.pending) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }
}

/**
 * One LISTEN connection per store, shared by its subscriptions. Appends `pg_notify` in their own
 * transaction, so a notification means "something committed": every registered loop re-reads.
 */
export class ChangeListener {
  private readonly wakeups = new Set<Wakeup>();
  private connection: Promise<PoolClient> | undefined;
  private listening: PoolClient | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
  ) {}

  register(wakeup: Wakeup): void {
    this.wakeups.add(wakeup);
  }

  unregister(wakeup: Wakeup): void {
    this.wakeups.delete(wakeup);
  }

  /**
   * Connects if not connected. Loops call it before every read: once it resolves, any commit that
   * the following read misses will still wake them.
   */
  async ensureListening(): Promise<void> {
    this.connection ??= this.connect().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    await this.connection;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const client = await connection?.catch(() => undefined);
    // A connection that already dropped was released when it dropped.
    if (client === undefined || this.listening !== client) return;
    this.listening = undefined;
    client.release(true);
  }

  private async connect(): Promise<PoolClient> {
    const client = await this.pool.connect();
    const dropped = (error?: Error): void => {
      if (this.listening !== client) return;
      // Forget the broken connection; the loops' next ensureListening() reconnects, then re-reads.
      this.listening = undefined;
      this.connection = undefined;
      client.release(error ?? true);
      for (const wakeup of this.wakeups) wakeup.signal();
    };
    client.on('notification', () => {
      for (const wakeup of this.wakeups) wakeup.signal();
    });
    client.on('error', dropped);
    client.on('end', () => dropped());
    try {
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.listening = client;
    return client;
  }
}
