/** Where the application's use cases report what they did; the apps bind it to their logger. */
export interface Log {
  /** Routine conditions a client library retries by itself: kept out of a normal log, there when debugging. */
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLog: Log = {
  debug: (message, fields) => console.debug(message, fields ?? ''),
  info: (message, fields) => console.info(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};
