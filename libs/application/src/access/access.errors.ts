/** No key, or a key that belongs to no tenant: a 401, or a rejected command. */
export class UnauthorizedError extends Error {
  readonly code = 'UNAUTHORIZED';

  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** More requests than the key's rate limit allows: a 429, with Retry-After. */
export class TooManyRequestsError extends Error {
  readonly code = 'TOO_MANY_REQUESTS';
  // Read by Fastify, whose hook raises this error before any route runs.
  readonly statusCode = 429;

  constructor(message: string) {
    super(message);
    this.name = 'TooManyRequestsError';
  }
}
