import type { Pool } from 'pg';

export interface ListenHandlers {
  readonly onNotification: (payload: string | undefined) => void;
  /** The connection failed or ended after LISTEN took effect: notifications may have been lost since. */
  readonly onDropped: () => void;
}

export interface ListeningConnection {
  /** Gives the connection up; `onDropped` is not called for it. */
  close(): void;
}

/**
 * Takes a connection of the pool and LISTENs on `channel` (a name the caller made safe to quote).
 * A broken connection goes back to the pool destroyed, never to be handed out again.
 */
export async function listen(pool: Pool, channel: string, { onNotification, onDropped }: ListenHandlers): Promise<ListeningConnection> {
  const client = await pool.connect();
  let held = true;
  let listening = false;
  const release = (error?: Error): void => {
    if (!held) return;
    held = false;
    client.release(error ?? true);
  };
  const dropped = (error?: Error): void => {
    if (!held) return;
    release(error);
    // While LISTEN is under way, its own failure reports the drop to the caller.
    if (listening) onDropped();
  };
  client.on('notification', (message) => {
    if (held && message.channel === channel) onNotification(message.payload);
  });
  client.on('error', dropped);
  client.on('end', () => dropped());
  try {
    await client.query(`LISTEN "${channel}"`);
  } catch (error) {
    release();
    throw error;
  }
  listening = true;
  return { close: () => release() };
}
