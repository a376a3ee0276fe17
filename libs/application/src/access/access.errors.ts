import { ServiceRefusal } from '../shared/refusal';

/** No key, or a key that belongs to no tenant: a 401, or a rejected command. */
export class UnauthorizedError extends ServiceRefusal {
  readonly code = 'UNAUTHORIZED';
  readonly httpStatus = 401;

  constructor(message: string) {
    super(message);
  }
}

/** More requests than the key's rate limit allows: a 429, with Retry-After. */
export class TooManyRequestsError extends ServiceRefusal {
  readonly code = 'TOO_MANY_REQUESTS';
  readonly httpStatus = 429;
  // Read by Fastify, whose hook raises this error before any route runs.
  readonly statusCode = 429;

  constructor(message: string) {
    super(message);
  }
}

/** The tenant already runs as many jobs as it may: Q Connect's ServiceQuotaExceededException. */
export class ServiceQuotaExceededError extends ServiceRefusal {
  readonly code = 'RUNNING_JOBS_QUOTA_EXCEEDED';
  readonly httpStatus = 429;

  constructor(
    limit: number,
    override readonly retryAfterSeconds: number,
  ) {
    super(`this tenant already runs ${limit} import jobs, the most it may run at once; retry when one of them has finished`);
  }
}
