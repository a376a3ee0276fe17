/**
 * Groups items handed over one at a time into batches, so that catching up writes one
 * transaction per batch rather than per event. Batches are written one after another, in order:
 * a full batch is written before `add` returns (the caller waits, which holds back its reading);
 * a partial one as soon as the caller pauses, i.e. once the current burst of `add` calls is over.
 * After a failed write nothing more is written, and `failed` rejects with its error.
 */
export class BatchWriter<Item> {
  /** Rejects with the first failed write's error; the only report of a failure no `add` waited for. */
  readonly failed: Promise<never>;
  private pending: Item[] = [];
  private written: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private abandoned = false;
  private failure: { readonly error: unknown } | undefined;
  private reportFailure: (error: unknown) => void = () => undefined;

  constructor(
    private readonly write: (batch: readonly Item[]) => Promise<void>,
    private readonly maxBatchSize: number,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.reportFailure = reject));
    this.failed.catch(() => undefined);
  }

  async add(item: Item): Promise<void> {
    if (this.failure) throw this.failure.error;
    if (this.abandoned) return;
    this.pending.push(item);
    if (this.pending.length >= this.maxBatchSize) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate runs after the promise callbacks of the burst that is adding items.
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush().catch(() => undefined);
      });
    }
  }

  /** Writes what is pending after every earlier batch; resolves once all of it is written. */
  flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length > 0 && !this.abandoned) {
      this.written = this.written.then(() => this.write(batch));
      this.written.catch((error: unknown) => {
        this.failure ??= { error };
        this.reportFailure(error);
      });
    }
    return this.written;
  }

  /** Drops what is pending and writes nothing more; resolves when the write under way, if any, has ended. */
  async abandon(): Promise<void> {
    this.abandoned = true;
    this.pending = [];
    await this.written.catch(() => undefined);
  }
}
