import type { INestApplicationContext } from '@nestjs/common';
import type { Log } from '@import-jobs/application/shared/log';

const shutdownSignals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Graceful shutdown of a process: on SIGTERM or SIGINT the app closes (its tasks stop taking work
 * and settle what they hold, then the connections close) and the process exits 0; if that takes
 * longer than `timeoutMs`, it exits 1 at once. Nest's own shutdown hooks end the process by
 * raising the signal again, which an orchestrator cannot tell from a kill; and they have no deadline.
 *
 * Exiting mid-transaction is still safe: the broker aborts a transaction whose transactional id the
 * partition's next holder registers. The deadline only bounds how long a stop can take.
 */
export function exitOnSignals(app: INestApplicationContext, timeoutMs: number, log: Log): void {
  let closing = false;
  const close = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down, within ${timeoutMs} ms`);
    setTimeout(() => {
      log.error(`The app did not close within SHUTDOWN_TIMEOUT_MS (${timeoutMs} ms); exiting`);
      process.exit(1);
    }, timeoutMs);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('The app failed to close cleanly', { error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  };
  for (const signal of shutdownSignals) process.on(signal, close);
}
