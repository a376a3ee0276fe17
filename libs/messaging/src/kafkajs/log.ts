import { logLevel, type logCreator } from 'kafkajs';

export interface MessagingLogEntry {
  readonly level: 'error' | 'warn' | 'debug';
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

// kafkajs's own table of Kafka protocol errors, which says which of them it retries by itself. It is
// not in kafkajs's typings, but it is the module kafkajs's retries read, so the two cannot disagree.
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: ReadonlyArray<{ readonly message: string; readonly retriable: boolean }> };
const retriedByKafkajs = new Set(errorCodes.filter((code) => code.retriable).map((code) => code.message));

/**
 * A coordinator still loading, a topic just created and not yet led, a group rebalancing: kafkajs
 * logs each at ERROR or WARN and then retries it, and on every healthy start of a cluster it logs a
 * dozen. They go to debug; a retry that finally fails surfaces as the caller's error.
 */
function isRetriedByKafkajs(message: string, details: Readonly<Record<string, unknown>>): boolean {
  return retriedByKafkajs.has(message) || (typeof details['error'] === 'string' && retriedByKafkajs.has(details['error'])) || /, re-joining( the group)?$/.test(message);
}

export function kafkajsLogCreator(log: MessagingLog): logCreator {
  return () =>
    ({ namespace, level, log: { message, timestamp: _timestamp, ...details } }) =>
      log({ level: isRetriedByKafkajs(message, details) ? 'debug' : level === logLevel.ERROR ? 'error' : 'warn', namespace, message, details });
}
