import type { OutgoingMessage, Transaction } from '@import-jobs/messaging';

export interface DestinationBatchLimits {
  /**
   * Bytes of records in one send. Each send becomes one Kafka record batch per partition, and the
   * broker checks a whole batch against the topic's `max.message.bytes`, so a send must stay within
   * it too, not only each record. Sized in bytes, not records: small records make large sends, few
   * round trips; large ones never make a batch the broker refuses.
   */
  readonly maxBatchBytes: number;
}

// Kafka's record format v2: the largest varints that frame a record (length, timestamp delta,
// offset delta, key and value lengths, header count) and each header (name and value lengths).
const recordFramingBytes = 5 + 1 + 10 + 5 + 5 + 5 + 5;
const headerFramingBytes = 5 + 5;

/** At least the bytes `message` takes in a record batch, so a check against it errs on the safe side. */
export function recordBytesBound({ key, value, headers = {} }: OutgoingMessage): number {
  const keyBytes = key == null ? 0 : Buffer.byteLength(key);
  const valueBytes = value === null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  let headerBytes = 0;
  for (const [name, headerValue] of Object.entries(headers)) headerBytes += headerFramingBytes + Buffer.byteLength(name) + Buffer.byteLength(headerValue);
  return recordFramingBytes + keyBytes + valueBytes + headerBytes;
}

/**
 * The records of a piece on their way into its transaction, sent a batch at a time so that memory
 * holds two batches whatever the piece's size: the one being filled, and the one the broker is
 * acknowledging. Keeping one send in flight lets the rows of the next batch be read while the
 * broker writes the last one, instead of the worker waiting idle on each acknowledgement (see
 * bench/RESULTS.md). Sends never overlap, so records keep their order within the transaction.
 * Nothing sent is visible before the transaction commits.
 */
export class DestinationBatch {
  private messages: OutgoingMessage[] = [];
  private bytes = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly transaction: Transaction,
    private readonly limits: DestinationBatchLimits,
  ) {}

  /**
   * Adds a record whose size is within `maxBatchBytes`. When it would not fit with those held,
   * they are sent first, and the caller must wait for the returned promise before adding more;
   * otherwise nothing is returned, and the record is only held.
   */
  add(message: OutgoingMessage, bytes: number): Promise<void> | undefined {
    const sending = this.bytes + bytes > this.limits.maxBatchBytes ? this.send() : undefined;
    this.messages.push(message);
    this.bytes += bytes;
    return sending;
  }

  /** Sends what is held and waits until every send is acknowledged; a failed send throws here at the latest. */
  async flush(): Promise<void> {
    await this.send();
    await this.settle();
  }

  /**
   * Drops what is held and waits until the send in flight, if any, has ended, whatever its outcome:
   * the transaction must not be aborted while one of its sends is still on its way.
   */
  async abandon(): Promise<void> {
    this.messages = [];
    this.bytes = 0;
    await this.settle().catch(() => undefined);
  }

  /**
   * Takes the records held at once (what is added meanwhile waits for the next send), waits for the
   * send in flight (throwing its failure), then starts sending them.
   */
  private send(): Promise<void> {
    const messages = this.messages;
    this.messages = [];
    this.bytes = 0;
    return this.sendAfterInFlight(messages);
  }

  private async sendAfterInFlight(messages: OutgoingMessage[]): Promise<void> {
    await this.settle();
    if (messages.length === 0) return;
    const sending = this.transaction.send(messages);
    // Its failure is thrown by the next send() or flush(); until then it must not count as unhandled.
    sending.catch(() => undefined);
    this.inFlight = sending;
  }

  private async settle(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    await inFlight;
  }
}
