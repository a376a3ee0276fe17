import { ServiceRefusal } from '../shared/refusal';

/** The tenant already holds as many progress streams open as it may: a 429. */
export class TooManyProgressStreamsError extends ServiceRefusal {
  readonly code = 'TOO_MANY_PROGRESS_STREAMS';
  readonly httpStatus = 429;

  constructor(limit: number) {
    super(`this tenant already has ${limit} progress streams open, the most it may; close one before opening another`);
  }
}

/**
 * How many progress streams each tenant holds open in this process. Every open stream keeps a
 * connection, a watcher and its readers alive for as long as the client likes, so without a cap one
 * tenant could take them all from the others.
 */
export class OpenProgressStreams {
  private readonly openByTenant = new Map<string, number>();

  /** `limit` 0: no cap. */
  constructor(private readonly limit: number) {}

  /**
   * Counts a new stream of the tenant until `ended` aborts, which Nest does on every way a stream
   * ends (the client leaves, the stream completes or fails, or its setup is refused), so that
   * every place taken is given back once.
   *
   * @throws TooManyProgressStreamsError when the tenant already holds `limit` streams.
   */
  open(tenantId: string, ended: AbortSignal): void {
    // A client that left during setup is never streamed to, so it holds nothing.
    if (this.limit === 0 || ended.aborted) return;
    const open = this.openByTenant.get(tenantId) ?? 0;
    if (open >= this.limit) throw new TooManyProgressStreamsError(this.limit);
    this.openByTenant.set(tenantId, open + 1);
    ended.addEventListener('abort', () => this.close(tenantId), { once: true });
  }

  private close(tenantId: string): void {
    const open = (this.openByTenant.get(tenantId) ?? 0) - 1;
    if (open > 0) this.openByTenant.set(tenantId, open);
    else this.openByTenant.delete(tenantId);
  }
}
