/**
 * A messaging failure in the project's own terms, whichever client raised it. `retriable` tells the
 * caller whether the same call may succeed if simply made again (a leader moving, a timeout, a broker
 * restarting); a non-retriable failure needs something to change first (configuration, a fenced
 * producer, a closed client). The client's own error, when there is one, is the `cause`.
 */
export class MessagingError extends Error {
  override readonly name = 'MessagingError';

  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
