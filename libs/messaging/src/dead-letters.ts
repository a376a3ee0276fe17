import type { IncomingMessage } from './messages';
import type { MessageProducer } from './ports';

/**
 * How much of a message a rejection or a dead letter quotes: it must fit in one Kafka message
 * (1 MB by default) whatever it quotes, or writing it would fail on every retry in turn.
 */
export const maxQuotedValueBytes = 64 * 1024;
const maxQuotedTextChars = 1_000;
const maxQuotedHeaders = 50;

/**
 * Headers that can carry a credential. A quote is read by whoever may read the topic it is written
 * to, not only by the credential's owner: none of them is ever quoted.
 */
const credentialHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

/** Text taken from input (a key, a header, a reason quoting a field) cut to a size a quote can hold. */
export function quoted(text: string, maxChars = maxQuotedTextChars): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)`;
}

/** A message as a rejection or a dead letter quotes it: where it sat, and a bounded copy of what it held. */
export interface QuotedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** UTF-8 text when the value is text, base64 otherwise; only its first `maxQuotedValueBytes`. */
  readonly value: string | null;
  readonly valueEncoding: 'utf8' | 'base64';
  /** The value's size as sent, and whether `value` holds only its beginning. */
  readonly valueBytes: number;
  readonly valueTruncated: boolean;
  /** Every header but the credentials. */
  readonly headers: Readonly<Record<string, string>>;
}

export function quoteMessage(message: IncomingMessage): QuotedMessage {
  const { topic, partition, offset } = message;
  const key = message.key === null ? null : quoted(message.key);
  const headers = Object.fromEntries(
    Object.entries(message.headers)
      .filter(([name]) => !credentialHeaders.has(name.toLowerCase()))
      .slice(0, maxQuotedHeaders)
      .map(([name, value]) => [quoted(name), quoted(value)]),
  );
  const where = { topic, partition, offset, key, headers };
  if (message.value === null) return { ...where, value: null, valueEncoding: 'utf8', valueBytes: 0, valueTruncated: false };
  const valueBytes = message.value.length;
  const valueTruncated = valueBytes > maxQuotedValueBytes;
  const kept = message.value.subarray(0, maxQuotedValueBytes);
  try {
    // Fatal, so that bytes that are not UTF-8 are quoted as base64 rather than silently altered;
    // streaming, so that a character split by the cut is left out instead of failing the decode.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(kept, { stream: valueTruncated });
    return { ...where, value: text, valueEncoding: 'utf8', valueBytes, valueTruncated };
  } catch {
    return { ...where, value: kept.toString('base64'), valueEncoding: 'base64', valueBytes, valueTruncated };
  }
}

/**
 * What a consumer or a subscription could neither handle nor settle where it belongs (a message
 * that names no job, an event that cannot be published): kept for an operator, so that the
 * partition or the subscription can move on without losing it.
 */
export interface DeadLetter {
  readonly type: 'DeadLetter';
  readonly version: 1;
  /** The consumer group or subscription that gave up on it. */
  readonly consumer: string;
  readonly reason: string;
  /** The message, for a consumer; the event's place and type, for a subscription. */
  readonly message?: QuotedMessage;
  readonly event?: { readonly streamId: string; readonly revision: string; readonly type: string; readonly eventId: string };
  readonly deadAt: string;
}

export async function sendDeadLetter(producer: MessageProducer, topic: string, letter: Omit<DeadLetter, 'type' | 'version' | 'deadAt'>): Promise<void> {
  const body: DeadLetter = { type: 'DeadLetter', version: 1, ...letter, reason: quoted(letter.reason), deadAt: new Date().toISOString() };
  await producer.send([{ topic, key: letter.message?.key ?? letter.event?.streamId ?? null, value: JSON.stringify(body) }]);
}
