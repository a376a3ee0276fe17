import addFormats from 'ajv-formats';
import * as fc from 'fast-check';
import { dateTimeFormat } from './date-time-format';

/** ajv-formats' own check, which decided every date-time before. */
const rfc3339 = (addFormats.get('date-time') as { validate: (text: string) => boolean }).validate;
const check = dateTimeFormat.validate as (text: string) => boolean;

const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
const edges = fc.constantFrom('00', '01', '12', '13', '23', '24', '28', '29', '30', '31', '32', '59', '60', '61', '99');
/** Two digits, mostly in `min`…`max`, else at the edges of a month, an hour, a minute, or anything. */
const twoDigits = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min, max }).map((n) => String(n).padStart(2, '0')), weight: 12 },
    { arbitrary: edges, weight: 1 },
    { arbitrary: digits(2), weight: 1 },
  );
const year = fc.oneof(digits(4), fc.constantFrom('0000', '1900', '2000', '2023', '2024', '2100', '2400'));
const separator = fc.oneof({ arbitrary: fc.constantFrom('T', 't', ' '), weight: 12 }, { arbitrary: fc.constantFrom('\u00a0', 'x', 'TT', ''), weight: 1 });
const fraction = fc.oneof(fc.constant(''), digits(1).map((d) => `.${d}`), digits(3).map((d) => `.${d}`), fc.constantFrom('.', ',5'));
const zone = fc.oneof(
  { arbitrary: fc.constantFrom('Z', 'z'), weight: 6 },
  { arbitrary: fc.tuple(fc.constantFrom('+', '-'), twoDigits(0, 23), fc.constantFrom(':', ':', ':', '', '::'), twoDigits(0, 59)).map((parts) => parts.join('')), weight: 6 },
  { arbitrary: fc.constantFrom('', 'UTC', 'Zt'), weight: 1 },
);
/** Texts spelt nearly as date-times are, with every field free to be out of range or misspelt. */
const dateTimeLike = fc
  .tuple(year, twoDigits(1, 12), twoDigits(1, 31), separator, twoDigits(0, 23), twoDigits(0, 59), twoDigits(0, 59), fraction, zone)
  .map(([y, mo, d, sep, h, mi, s, frac, z]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${z}`);

describe('dateTimeFormat', () => {
  it.each([
    ['2024-02-29T23:59:59.999Z', true],
    ['2023-02-29T10:00:00Z', false],
    ['2024-12-31T08:00:00+02:00', true],
    ['2024-12-31 08:00:00+02:00', true],
    ['2024-12-31T24:00:00Z', false],
    ['2016-12-31T23:59:60Z', true],
    ['2024-12-31T08:00:00', false],
  ])('reads %s as ajv-formats does (%s)', (text, valid) => {
    expect(check(text)).toBe(valid);
    expect(rfc3339(text)).toBe(valid);
  });

  it('accepts and refuses exactly the texts that ajv-formats accepts and refuses', () => {
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(fc.oneof({ arbitrary: dateTimeLike, weight: 9 }, { arbitrary: fc.string({ maxLength: 30 }), weight: 1 }), (text) => {
        const valid = rfc3339(text);
        expect({ text, valid: check(text) }).toEqual({ text, valid });
        seen[valid ? 'valid' : 'invalid'] += 1;
      }),
      { numRuns: 20_000 },
    );
    expect(seen.valid).toBeGreaterThan(1_000);
    expect(seen.invalid).toBeGreaterThan(1_000);
  });
});
