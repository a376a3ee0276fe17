/** A record to write. `key` decides the partition, so records that must stay in order share one. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly key?: string | null;
  /** `null` writes a tombstone. */
  readonly value: Buffer | string | null;
  /** A value given as bytes is sent as they are: one Buffer can serve every record that carries the same value. */
  readonly headers?: Readonly<Record<string, string | Buffer>>;
}

/** A record as read back, with where it sits in its partition. */
export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  /** A 64-bit offset, kept as a decimal string because it can exceed `Number.MAX_SAFE_INTEGER`. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: Date;
}

/** Where a message sits, as one key: the same message read again has the same one. */
export function positionKey({ topic, partition, offset }: Pick<IncomingMessage, 'topic' | 'partition' | 'offset'>): string {
  return `${topic}/${partition}/${offset}`;
}

/** The offset a group commits once `message` is processed: the next one to read, not the last one read. */
export function offsetAfter(message: Pick<IncomingMessage, 'offset'>): string {
  return (BigInt(message.offset) + 1n).toString();
}
