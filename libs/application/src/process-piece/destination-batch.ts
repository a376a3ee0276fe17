import type { OutgoingMessage, Transaction } from '@import-jobs/messaging';

export interface DestinationBatchLimits {
  readonly maxBatchRecords: number;
  /**
   * Each send becomes one Kafka record batch per partition, and the broker checks a whole batch
   * against the topic's `max.message.bytes`, so a send must stay within it too, not only each record.
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
 * holds one batch whatever the piece's size. Nothing sent is visible before the transaction commits.
 */
export class DestinationBatch {
  private messages: OutgoingMessage[] = [];
  private bytes = 0;

  constructor(
    private readonly transaction: Transaction,
    private readonly limits: DestinationBatchLimits,
  ) {}

  /** Adds a record whose size is within `maxBatchBytes`, first sending those held when it would not fit with them. */
  async add(message: OutgoingMessage, bytes: number): Promise<void> {
    if (this.messages.length >= this.limits.maxBatchRecords || this.bytes + bytes > this.limits.maxBatchBytes) await this.flush();
    this.messages.push(message);
    this.bytes += bytes;
  }

  async flush(): Promise<void> {
    if (this.messages.length === 0) return;
    const messages = this.messages;
    this.messages = [];
    this.bytes = 0;
    await this.transaction.send(messages);
  }
}
