import { KafkaJSError } from 'kafkajs';
import { MessagingError } from '../messaging-error';

/**
 * kafkajs's error in the project's terms. A kafkajs error that exhausted kafkajs's own retries is
 * non-retriable for kafkajs, yet the fault behind it (a broker away) may pass: like kafkajs's
 * consumer when it decides whether to restart, judge by the original cause.
 */
export function fromKafkajsError(error: unknown, failedTo: string): MessagingError {
  if (error instanceof MessagingError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const retriable =
    error instanceof KafkaJSError && (error.name === 'KafkaJSNumberOfRetriesExceeded' || originalCause(error).retriable === true);
  return new MessagingError(`Failed to ${failedTo}: ${message}`, retriable, { cause: error });
}

/**
 * What to hand back to kafkajs when a handler fails. kafkajs's consumer reacts to its own errors (a
 * heartbeat that reports a rebalance makes it rejoin the group), so one that reached the handler
 * translated goes back as it came.
 */
export function toKafkajsError(error: unknown): unknown {
  return error instanceof MessagingError && error.cause instanceof KafkaJSError ? error.cause : error;
}

function originalCause(error: KafkaJSError): { retriable?: boolean } {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause as { retriable?: boolean };
}
