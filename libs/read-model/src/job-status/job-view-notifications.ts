import { listen, type ListeningConnection } from '@import-jobs/postgres';
import { retry } from '@import-jobs/retry';
import type { Pool } from 'pg';
import type { JobView } from './job-view';

/** What the projector announces once a job's view has changed and committed: enough to decide whether to read it. */
export interface JobViewChange {
  readonly jobId: string;
  readonly tenantId: string;
  /** The view's revision after the change: every version up to it can be read. */
  readonly version: number;
}

export interface JobViewChangeListener {
  readonly onChange: (change: JobViewChange) => void;
  /** Announcements may have been lost (the connection dropped and is back): whoever follows a job reads it again. */
  readonly onResync: () => void;
}

export interface JobViewChangeListening {
  close(): Promise<void>;
}

/** PostgreSQL refuses a notification payload of 8000 bytes or more. */
const maxPayloadBytes = 7999;

/** The payload of a view's announcement; undefined when it would be too long to send (ids no client uses). */
export function changeNotificationOf(view: JobView): string | undefined {
  const payload = JSON.stringify({ jobId: view.jobId, tenantId: view.tenantId, version: view.revision } satisfies JobViewChange);
  return Buffer.byteLength(payload) <= maxPayloadBytes ? payload : undefined;
}

/** Undefined for a payload that is no announcement (anyone may NOTIFY on a channel). */
export function parseChangeNotification(payload: string | undefined): JobViewChange | undefined {
  try {
    const { jobId, tenantId, version } = JSON.parse(payload ?? '') as Partial<Record<keyof JobViewChange, unknown>>;
    if (typeof jobId !== 'string' || typeof tenantId !== 'string' || !Number.isSafeInteger(version)) return undefined;
    return { jobId, tenantId, version: version as number };
  } catch {
    return undefined;
  }
}

/**
 * One LISTEN connection for all of a process's live streams. Once it resolves, every change
 * committed afterwards is announced. A dropped connection is opened again with a jittered backoff,
 * then `onResync` tells the readers to catch up on what was announced while it was down.
 */
export async function listenForJobViewChanges(pool: Pool, channel: string, listener: JobViewChangeListener): Promise<JobViewChangeListening> {
  const listening = new Listening(pool, channel, listener);
  await listening.connect();
  return listening;
}

class Listening implements JobViewChangeListening {
  private connection: ListeningConnection | undefined;
  private readonly closing = new AbortController();

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly listener: JobViewChangeListener,
  ) {}

  async connect(): Promise<void> {
    const connection = await listen(this.pool, this.channel, {
      onNotification: (payload) => {
        const change = parseChangeNotification(payload);
        if (change) this.tell(() => this.listener.onChange(change));
      },
      onDropped: () => {
        this.connection = undefined;
        if (!this.closing.signal.aborted) this.reconnect();
      },
    });
    if (this.closing.signal.aborted) connection.close();
    else this.connection = connection;
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.connection?.close();
    this.connection = undefined;
  }

  private reconnect(): void {
    retry(() => this.connect(), { attempts: Number.POSITIVE_INFINITY, baseDelayMs: 250, maxDelayMs: 10_000, isRetriable: () => true, signal: this.closing.signal }).then(
      () => this.tell(() => this.listener.onResync()),
      // Only closing ends the retries.
      () => undefined,
    );
  }

  /** A listener's fault (one client's stream) must not stop the announcements for every other. */
  private tell(call: () => void): void {
    try {
      call();
    } catch {
      // Ignored on purpose: see above.
    }
  }
}
