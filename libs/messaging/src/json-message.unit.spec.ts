import { jsonMessageCodec, type DecodeResult } from './json-message';

describe('the versioned JSON message codec', () => {
  const codec = jsonMessageCodec<PieceMessage>({
    'PieceQueued.v1': (candidate) => typeof candidate.pieceId === 'string',
    'PieceQueued.v2': (candidate) => typeof candidate.pieceId === 'string' && typeof candidate.byteRange === 'object',
    'PieceDropped.v1': (candidate) => typeof candidate.pieceId === 'string' && typeof candidate.reason === 'string',
  });

  describe('a valid message', () => {
    it('decodes what it encoded', () => {
      const message: PieceMessage = { type: 'PieceQueued', version: 2, pieceId: 'piece-1', byteRange: { start: 0, end: 99 } };
      expect(codec.decode(codec.encode(message))).toEqual({ ok: true, message });
    });

    it('writes the type and the version into the JSON', () => {
      const encoded = JSON.parse(codec.encode({ type: 'PieceDropped', version: 1, pieceId: 'piece-2', reason: 'gone' }));
      expect(encoded).toMatchObject({ type: 'PieceDropped', version: 1 });
    });

    it('decodes UTF-8 bytes, with or without a byte order mark', () => {
      const json = JSON.stringify({ type: 'PieceQueued', version: 1, pieceId: 'ä-1' });
      expect(codec.decode(Buffer.from(json))).toMatchObject({ ok: true, message: { pieceId: 'ä-1' } });
      expect(codec.decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]))).toMatchObject({ ok: true });
      expect(codec.decode(`\uFEFF${json}`)).toMatchObject({ ok: true });
    });

    it('drops a "__proto__" key instead of carrying it along', () => {
      const result = codec.decode('{"type":"PieceQueued","version":1,"pieceId":"p","__proto__":{"polluted":true}}');
      const message = decoded(result);
      expect(Object.prototype.hasOwnProperty.call(message, '__proto__')).toBe(false);
      expect((Object.assign({}, message) as { polluted?: unknown }).polluted).toBeUndefined();
    });
  });

  describe('a value that is not a JSON object', () => {
    it.each([
      ['a tombstone', null, 'empty'],
      ['truncated JSON', '{"type":"PieceQueued","version":', 'not-json'],
      ['plain text', 'hello', 'not-json'],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'not-json'],
      ['a number', '42', 'not-an-object'],
      ['a string', '"PieceQueued"', 'not-an-object'],
      ['null', 'null', 'not-an-object'],
      ['an array', '[{"type":"PieceQueued","version":1}]', 'not-an-object'],
    ])('is refused when it is %s', (_, value, reason) => {
      expect(codec.decode(value)).toMatchObject({ ok: false, reason, detail: expect.any(String) });
    });
  });

  describe('an object without a known type and version', () => {
    it.each([
      ['no type', { version: 1, pieceId: 'p' }, 'missing-type'],
      ['a type that is not a string', { type: 7, version: 1, pieceId: 'p' }, 'missing-type'],
      ['a type nobody defined', { type: 'PieceExploded', version: 1, pieceId: 'p' }, 'unknown-type'],
      ['no version', { type: 'PieceQueued', pieceId: 'p' }, 'missing-version'],
      ['a version in a string', { type: 'PieceQueued', version: '1', pieceId: 'p' }, 'missing-version'],
      ['a fractional version', { type: 'PieceQueued', version: 1.5, pieceId: 'p' }, 'missing-version'],
      ['version zero', { type: 'PieceQueued', version: 0, pieceId: 'p' }, 'missing-version'],
      ['a version nobody defined', { type: 'PieceQueued', version: 3, pieceId: 'p' }, 'unknown-version'],
      ['a version another type has', { type: 'PieceDropped', version: 2, pieceId: 'p', reason: 'r' }, 'unknown-version'],
    ])('is refused when it has %s', (_, value, reason) => {
      expect(codec.decode(JSON.stringify(value))).toMatchObject({ ok: false, reason });
    });

    it('names the versions it knows when the version is unknown', () => {
      expect(codec.decode('{"type":"PieceQueued","version":9}')).toMatchObject({ detail: expect.stringContaining('known: 1, 2') });
    });
  });

  describe('a known type and version with the wrong fields', () => {
    it.each([
      ['a missing field', { type: 'PieceQueued', version: 1 }],
      ['a field of the wrong type', { type: 'PieceQueued', version: 1, pieceId: 42 }],
      ['the fields of another version', { type: 'PieceQueued', version: 2, pieceId: 'p' }],
    ])('is refused when it has %s', (_, value) => {
      expect(codec.decode(JSON.stringify(value))).toMatchObject({ ok: false, reason: 'invalid-shape' });
    });
  });
});

type PieceMessage =
  | { type: 'PieceQueued'; version: 1; pieceId: string }
  | { type: 'PieceQueued'; version: 2; pieceId: string; byteRange: { start: number; end: number } }
  | { type: 'PieceDropped'; version: 1; pieceId: string; reason: string };

function decoded<Message>(result: DecodeResult<Message>): Message {
  if (!result.ok) throw new Error(`expected a message, got ${result.reason}: ${result.detail}`);
  return result.message;
}
