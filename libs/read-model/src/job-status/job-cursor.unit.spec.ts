import { ValidationError } from '@import-jobs/domain';
import { decodeJobCursor, encodeJobCursor, InvalidCursorError } from './job-cursor';

describe('job listing cursor', () => {
  it('decodes what it encoded', () => {
    const cursor = { createdAt: '2026-03-01T10:15:30.123Z', jobId: 'job-7f3a' };

    const encoded = encodeJobCursor(cursor);

    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeJobCursor(encoded)).toEqual(cursor);
  });

  it('keeps job ids with any characters', () => {
    const cursor = { createdAt: '2026-03-01T10:15:30.000Z', jobId: 'ünïcødé/"quoted"?&=' };
    expect(decodeJobCursor(encodeJobCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', 'abc+/=='],
    ['padding', `${encode('["2026-03-01T10:15:30.000Z","j"]')}=`],
    ['text that is not JSON', encode('not json')],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x5b]).toString('base64url')],
    ['an object', encode('{"createdAt":"2026-03-01T10:15:30.000Z","jobId":"j"}')],
    ['a triple', encode('["2026-03-01T10:15:30.000Z","j","x"]')],
    ['an empty job id', encode('["2026-03-01T10:15:30.000Z",""]')],
    ['a number for the job id', encode('["2026-03-01T10:15:30.000Z",7]')],
    ['a time that is no time', encode('["yesterday","j"]')],
    ['a time in another form', encode('["2026-03-01 10:15:30+00","j"]')],
  ])('refuses %s as a typed validation error on the cursor field', (_what, cursor) => {
    let thrown: unknown;
    try {
      decodeJobCursor(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidCursorError);
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
  });
});

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
