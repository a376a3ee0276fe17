import { logLevel, type logCreator } from 'kafkajs';

export interface MessagingLogEntry {
  readonly level: 'error' | 'warn';
  /** The part of the client that speaks, such as `Consumer` or `Producer`. */
  readonly namespace: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export type MessagingLog = (entry: MessagingLogEntry) => void;

export const logToConsole: MessagingLog = ({ level, namespace, message, details }) => {
  console[level](`[messaging] ${namespace}: ${message}`, details);
};

/** kafkajs's INFO level narrates every join and fetch; only what needs attention is passed on. */
export const kafkajsLogLevel = logLevel.WARN;

export function kafkajsLogCreator(log: MessagingLog): logCreator {
  return () =>
    ({ namespace, level, log: { message, timestamp: _timestamp, ...details } }) =>
      log({ level: level === logLevel.ERROR ? 'error' : 'warn', namespace, message, details });
}
