import { maxAppendBytes, validateAppend } from './append-validation';
import { AppendTooLargeError, InvalidAppendError } from './errors';

const id = '6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b';
const otherId = '0b5a4f3e-2d1c-4b9a-8f7e-6d5c4b3a2f1e';

describe('an append', () => {
  it('passes with distinct lower-case UUIDs and a non-negative expected revision', () => {
    expect(() => validateAppend('s', [{ id, type: 'A', data: {} }, { id: otherId, type: 'B', data: {} }], 0n)).not.toThrow();
  });

  it.each([
    ['no events', 's', [], 'any'],
    ['an empty stream id', '', [{ id, type: 'A', data: {} }], 'any'],
    ['an id that is no UUID', 's', [{ id: 'job-1', type: 'A', data: {} }], 'any'],
    ['an upper-case id, which the stores would give back in lower case', 's', [{ id: id.toUpperCase(), type: 'A', data: {} }], 'any'],
    ['the same id twice', 's', [{ id, type: 'A', data: {} }, { id, type: 'B', data: {} }], 'any'],
    ['an event without a type', 's', [{ id, type: '', data: {} }], 'any'],
    ['a negative expected revision', 's', [{ id, type: 'A', data: {} }], -1n],
  ] as const)('is rejected with %s', (_, streamId, events, expected) => {
    expect(() => validateAppend(streamId, events, expected)).toThrow(InvalidAppendError);
  });
});

describe('the size of an append', () => {
  // `{"v":"…"}` is 8 bytes of JSON around the value; metadata `{}` is 2; type 'T' counts 2.
  const overhead = 8 + 2 + 2;
  const weighing = (eventId: string, bytes: number, filler = 'a') => ({
    id: eventId,
    type: 'T',
    data: { v: filler.repeat((bytes - overhead) / Buffer.byteLength(filler)) },
    metadata: {},
  });

  it('may reach maxAppendBytes, and gives each event back as the JSON text that was weighed', () => {
    const event = weighing(id, maxAppendBytes - 4, '€€');

    const { serialized, size } = validateAppend('s', [event], 'any');

    expect(serialized).toEqual([{ data: `{"v":"${event.data.v}"}`, metadata: '{}' }]);
    expect(size).toEqual({ appendBytes: maxAppendBytes - 4, events: 1, largestEventId: id, largestEventBytes: maxAppendBytes - 4, limitBytes: maxAppendBytes });
  });

  it('is counted in UTF-8 bytes, so that characters of 3 bytes do not slip past the limit', () => {
    const error = rejectionOf(() => validateAppend('s', [weighing(id, maxAppendBytes + 2, '€')], 'any'));

    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error).toMatchObject({ code: 'APPEND_TOO_LARGE', retriable: false, size: { appendBytes: maxAppendBytes + 2 } });
  });

  it('is the sum of its events, and the refusal names the stream, the size, the limit and the largest event', () => {
    const [small, large] = [weighing(id, 1000), weighing(otherId, maxAppendBytes - 999)];

    const error = rejectionOf(() => validateAppend('import-job-7', [small, large], 'any'));

    expect(error).toMatchObject({
      streamId: 'import-job-7',
      size: { appendBytes: maxAppendBytes + 1, limitBytes: maxAppendBytes, events: 2, largestEventId: otherId, largestEventBytes: maxAppendBytes - 999 },
    });
    expect((error as Error).message).toBe(
      `Append to import-job-7 is ${maxAppendBytes + 1} bytes serialized, over the limit of ${maxAppendBytes} bytes (2 event(s); the largest, ${otherId}, is ${maxAppendBytes - 999} bytes)`,
    );
  });

  it('counts the escapes JSON writes for U+0000 and lone surrogates, 6 bytes each', () => {
    // Under the limit counted as UTF-8 of the characters themselves (4 bytes a pair), over it as escapes.
    const pairs = 87_382;
    const escaped = { id, type: 'T', data: { v: '\u0000\ud800'.repeat(pairs) }, metadata: {} };

    expect(rejectionOf(() => validateAppend('s', [escaped], 'any'))).toMatchObject({ size: { appendBytes: 12 * pairs + overhead } });
  });
});

function rejectionOf(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
