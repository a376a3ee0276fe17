import { maxQuotedValueBytes, quoteMessage } from './dead-letters';
import type { IncomingMessage } from './messages';

function message(value: Buffer | null, headers: Record<string, string> = {}): IncomingMessage {
  return { topic: 't', partition: 1, offset: '7', key: 'k', value, headers, timestamp: new Date(0) };
}

describe('a quoted message', () => {
  it('keeps every header but those that can carry a credential', () => {
    const quoted = quoteMessage(message(Buffer.from('{}'), { Authorization: 'Bearer secret', cookie: 'c=1', 'x-api-key': 'k', 'x-trace': 'abc' }));
    expect(quoted.headers).toEqual({ 'x-trace': 'abc' });
    expect(JSON.stringify(quoted)).not.toContain('secret');
  });

  it('quotes only the beginning of a large value, says so, and fits in a Kafka message', () => {
    const quoted = quoteMessage(message(Buffer.from(`"${'é'.repeat(2_000_000)}"`)));
    expect(quoted).toMatchObject({ valueEncoding: 'utf8', valueTruncated: true, valueBytes: 4_000_002 });
    expect(Buffer.byteLength(quoted.value!)).toBeLessThanOrEqual(maxQuotedValueBytes);
    expect(quoted.value!.startsWith('"éé')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(quoted))).toBeLessThan(1_000_000);
  });

  it('quotes bytes that are not UTF-8 as base64, unaltered', () => {
    expect(quoteMessage(message(Buffer.from([0xff, 0xfe, 0x00])))).toMatchObject({ value: '//4A', valueEncoding: 'base64', valueTruncated: false });
  });

  it('bounds a huge key and huge headers', () => {
    const quoted = quoteMessage({ ...message(null, { ['h'.repeat(10_000)]: 'v'.repeat(1_000_000) }), key: 'k'.repeat(1_000_000) });
    expect(Buffer.byteLength(JSON.stringify(quoted))).toBeLessThan(10_000);
  });
});
