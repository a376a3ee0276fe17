export { isMarkedRetriable, retry, type RetryOptions, type RetryPolicy } from './retry';
