import { listen, type ListeningConnection } from '@import-jobs/postgres';
import type { Pool } from 'pg';

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
  private connection: Promise<ListeningConnection> | undefined;

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
    (await connection?.catch(() => undefined))?.close();
  }

  private connect(): Promise<ListeningConnection> {
    const wakeAll = (): void => {
      for (const wakeup of this.wakeups) wakeup.signal();
    };
    return listen(this.pool, this.channel, {
      onNotification: wakeAll,
      onDropped: () => {
        // Forget the broken connection (the only one: another is opened only once it is gone); the
        // loops' next ensureListening() reconnects, then re-reads.
        this.connection = undefined;
        wakeAll();
      },
    });
  }
}
