/** No key, or a key that belongs to no tenant: a 401, or a rejected command. */
export class UnauthorizedError extends Error {
  readonly code = 'UNAUTHORIZED';

  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}
