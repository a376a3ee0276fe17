export { isMarkedRetriable, retry, type RetryOptions, type RetryPolicy } from './retry';
export { AttemptLedger, defaultAttemptLimits, withBoundedAttempts, type AttemptLimits } from './bounded-attempts';
