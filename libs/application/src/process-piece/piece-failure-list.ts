import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { RowFailure, S3Location } from '@import-jobs/domain';
import { objectUrl, type ObjectStore } from '@import-jobs/sources';

/**
 * The failure list could not be written. Always retriable: the list is the service's own bucket,
 * so whatever is wrong (the server away, the bucket missing or forbidden) is for an operator to
 * fix, not a reason to fail the user's piece; the piece is read again once it is fixed.
 */
export class FailureListWriteError extends Error {
  override readonly name = 'FailureListWriteError';
  readonly retriable = true;
}

export interface PieceFailureListOptions {
  /** How many failures the piece's result carries; the rest are only in the list. */
  readonly firstKept: number;
  /**
   * Bytes the first failures take as JSON, at most: the piece's result is one Kafka message, which
   * the broker refuses above its `message.max.bytes` on every attempt. Fewer than `firstKept`
   * failures are kept when they are long.
   */
  readonly firstKeptBytes: number;
}

/** A failure list being written: the lines go into `body`, which the store streams out as it can. */
interface ListWrite {
  readonly body: PassThrough;
  readonly done: Promise<unknown>;
}

/**
 * Every row failure of one piece: the first few for the piece's result, and all of them written to
 * the object store as NDJSON (one RowFailure a line), streamed as they come. Memory stays within
 * what the store's write holds (a few parts), whatever the number of failures: `add` waits while
 * the store is behind. Nothing is written when no row failed. The key is the caller's and
 * deterministic, so a piece read again overwrites the list of an attempt that did not commit.
 */
export class PieceFailureList {
  /** The first failures of the piece, in order, within `firstKept` and `firstKeptBytes`. */
  readonly first: RowFailure[] = [];
  count = 0;
  private firstBytes = 0;
  /** Once a failure did not fit in `first`, none after it is taken, so that `first` stays the first ones. */
  private firstIsFull = false;
  private write: ListWrite | undefined;

  constructor(
    private readonly objectStore: ObjectStore,
    private readonly location: S3Location,
    private readonly options: PieceFailureListOptions,
  ) {}

  /**
   * Takes one failure. While the store keeps up, nothing is returned; when it is behind, the
   * caller must wait for the returned promise before adding more.
   */
  add(failure: RowFailure): Promise<void> | undefined {
    this.count++;
    const line = Buffer.from(`${JSON.stringify(failure)}\n`);
    // A line's length is the failure's JSON and one byte, the comma that separates it in the result.
    this.firstIsFull ||= this.first.length === this.options.firstKept || this.firstBytes + line.length > this.options.firstKeptBytes;
    if (!this.firstIsFull) {
      this.first.push(failure);
      this.firstBytes += line.length;
    }
    const { body, done } = (this.write ??= this.startWrite());
    // A store that stopped taking the body has failed the write, and `done` says why.
    if (body.destroyed) return done.then(() => undefined);
    if (!body.write(line)) return Promise.race([once(body, 'drain'), done]).then(() => undefined);
    return undefined;
  }

  /** Writes what is still held and returns the list's `s3://` URL, or undefined when no row failed. */
  async finish(): Promise<string | undefined> {
    const write = this.write;
    if (write === undefined) return undefined;
    write.body.end();
    await write.done;
    this.write = undefined;
    return objectUrl(this.location);
  }

  /** Gives up the list being written, so that the store keeps nothing of it; best effort, as the piece is failing anyway. */
  async discard(): Promise<void> {
    const write = this.write;
    this.write = undefined;
    if (write === undefined) return;
    // A body that fails fails its write, and the store drops what it took of it.
    write.body.destroy(new Error('the piece was given up'));
    await write.done.catch(() => undefined);
  }

  private startWrite(): ListWrite {
    const body = new PassThrough();
    // The write reports the body's failure (see `done`); the stream's own 'error' event has nothing to add.
    body.on('error', () => undefined);
    const done = this.objectStore.write(this.location, body, { contentType: 'application/x-ndjson' }).catch((error: unknown) => {
      throw new FailureListWriteError(`Could not write the failure list ${objectUrl(this.location)}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    });
    // Awaited by `add`, `finish` or `discard`; until then, a failure must not count as unhandled.
    done.catch(() => undefined);
    return { body, done };
  }
}
