import { DomainError } from '@import-jobs/domain';

/**
 * A refusal decided outside the domain (access, limits, the request's shape, uploads): it carries
 * the HTTP status it is answered with, and its `field` or `jobId` when it is about one.
 */
export abstract class ServiceRefusal extends Error {
  abstract readonly code: string;
  abstract readonly httpStatus: number;
  /** The field the refusal is about, for `details`. */
  readonly field?: string;
  /** The job that holds what the request asked for (a destination, an upload). */
  readonly jobId?: string;
  /** Answered as `Retry-After`: when the same request may succeed. */
  readonly retryAfterSeconds?: number;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A request refused for what it asks, not for a fault: retrying it unchanged would be refused
 * again (or, with Retry-After, not before then). Transports answer it (4xx, a rejection event)
 * instead of retrying it.
 */
export type Refusal = DomainError | ServiceRefusal;

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof DomainError || error instanceof ServiceRefusal;
}
