import { DomainError } from '@import-jobs/domain';
import { TooManyRequestsError, UnauthorizedError } from '../access/access.errors';
import { BucketNotAllowedError, InvalidRequestError, PayloadTooLargeError } from '../request-import/request-import.errors';

/**
 * A request refused for what it asks, not for a fault: retrying it unchanged would be refused
 * again. Transports answer it (4xx, a rejection event) instead of retrying it.
 */
export type Refusal = DomainError | InvalidRequestError | BucketNotAllowedError | UnauthorizedError | PayloadTooLargeError | TooManyRequestsError;

export function isRefusal(error: unknown): error is Refusal {
  return (
    error instanceof DomainError ||
    error instanceof InvalidRequestError ||
    error instanceof BucketNotAllowedError ||
    error instanceof UnauthorizedError ||
    error instanceof PayloadTooLargeError ||
    error instanceof TooManyRequestsError
  );
}
