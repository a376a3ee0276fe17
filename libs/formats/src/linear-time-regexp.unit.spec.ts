import * as fc from 'fast-check';
import { RE2JS } from 're2js';
import { backtrackingIsLinear, linearTimeRegExp } from './linear-time-regexp';

/** What checked every pattern before V8 checked some: RE2 alone. */
function re2Of(pattern: string): { test(text: string): boolean } {
  return RE2JS.compile(RE2JS.translateRegExp(pattern));
}

describe('backtrackingIsLinear', () => {
  it.each([
    ['^C[0-9]{7}$'],
    ['^[A-Z]{2}-[a-z0-9-]+$'],
    ['^[-+]?[0-9]+$'],
    ['^\\d{5}$'],
    ['^[^@]+@example\\.com$'],
    ['^https?://[a-z.]+$'],
    ['^[a-z]+'],
    ['^[A-Za-zÀ-ÿ]+ [A-Za-zÀ-ÿ]+$'],
    ['^😀+[a-z]?$'],
  ])('lets V8 run %s', (pattern) => {
    expect(backtrackingIsLinear(pattern)).toBe(true);
    expect(linearTimeRegExp(pattern, 'u')).toBeInstanceOf(RegExp);
  });

  it.each([
    ['a group', '^(a+)+$'],
    ['an alternative', '^a|b$'],
    ['no anchor at the start', '[0-9]{5}'],
    ['a repetition followed by one that takes the same characters', '^[a-z]*[a-z]*$'],
    ['a repetition followed by a character it takes', '^a*a$'],
    ['a repetition whose overlap hides behind an optional item', '^[a-z]+[0-9]*[a-z]*$'],
    ['a lazy repetition', '^a*?b$'],
    ['a dot, which the engines read differently on \\r', '^.+$'],
    ['\\s, which the engines read differently on Unicode spaces', '^\\s+$'],
    ['an unescaped "-" inside a class', '^[a-z-0]$'],
    ['a lone surrogate', '^\ud800$'],
  ])('leaves to RE2 a pattern with %s', (_name, pattern) => {
    expect(backtrackingIsLinear(pattern)).toBe(false);
    expect(linearTimeRegExp(pattern, 'u')).not.toBeInstanceOf(RegExp);
  });

  it(`leaves to RE2 a pattern that RE2 refuses, with RE2's error`, () => {
    expect(() => linearTimeRegExp('^a{1001}$', 'u')).toThrow(/invalid repeat count/);
  });

  // A backtracking engine gives back each "a" and tries every split of the run: quadratic in its
  // length. Only jest's timeout bounds this test; it proves RE2 got the pattern, not V8.
  it('keeps a pattern that backtracks quadratically on RE2', () => {
    const quadratic = linearTimeRegExp('^[a-z]+[0-9]*[a-z]*$', 'u');
    expect(quadratic.test(`${'a'.repeat(200_000)}!`)).toBe(false);
  });
});

// ── linearTimeRegExp matches exactly as RE2 did, whichever engine it chose ─────────────────────

const literal = fc.constantFrom('a', 'b', 'C', '0', '7', '-', 'é', '😀', ' ', '_', '/', ':');
const escape = fc.constantFrom('\\d', '\\D', '\\w', '\\W', '\\.', '\\/', '\\$', '\\^', '\\\\', '\\[', '\\{', '\\-');
const classMember = fc.constantFrom('a', 'b', 'é', '😀', ' ', '/', '.', '*', '$', '{', '|', '^', '-', '[:alpha:]', 'a-z', '0-9', 'À-ÿ', 'A-Z', '\\d', '\\w', '\\W', '\\-', '\\]', '\\/', '\\--\\/');
const characterClass = fc
  .tuple(fc.boolean(), fc.array(classMember, { minLength: 1, maxLength: 3 }))
  .map(([negated, members]) => `[${negated ? '^' : ''}${members.join('')}]`);
/** Some atoms V8 is never given, so that the choice itself is tested. */
const otherAtom = fc.constantFrom('.', '\\s', '(a|b)', '(?:ab)', '\\b');
const atom = fc.oneof({ arbitrary: literal, weight: 4 }, { arbitrary: escape, weight: 2 }, { arbitrary: characterClass, weight: 3 }, { arbitrary: otherAtom, weight: 1 });
const quantifier = fc.constantFrom('', '', '', '?', '*', '+', '{2}', '{1,3}', '{0,}', '{2,}', '*?', '{0,2}');
const pattern = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(atom, quantifier), { maxLength: 5 }), fc.boolean())
  .map(([startAnchor, items, endAnchor]) => `${startAnchor ? '^' : ''}${items.map(([a, q]) => a + q).join('')}${endAnchor ? '$' : ''}`);
const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'C', '0', '7', '-', 'é', '😀', ' ', '_', '/', ':', '.', '\n', '\r', '\u00a0', '\ud800', '$', '^', '\\', '[', ']', 'x', 'Z'),
  maxLength: 10,
});

describe('linearTimeRegExp', () => {
  it('matches every text as RE2 matches it, on V8 or RE2', () => {
    const seen = { onV8: 0, matched: 0, missed: 0 };
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 20 }), (source, texts) => {
        let expected: { test(text: string): boolean };
        try {
          expected = re2Of(source);
        } catch (error) {
          expect(() => linearTimeRegExp(source, 'u')).toThrow((error as Error).message);
          return;
        }
        const actual = linearTimeRegExp(source, 'u');
        if (actual instanceof RegExp) seen.onV8 += 1;
        for (const candidate of texts) {
          const matches = expected.test(candidate);
          expect({ source, candidate, matches: actual.test(candidate) }).toEqual({ source, candidate, matches });
          seen[matches ? 'matched' : 'missed'] += 1;
        }
      }),
      { numRuns: 3000 },
    );
    // The generators must reach both engines and both answers, or this proves little.
    expect(seen.onV8).toBeGreaterThan(500);
    expect(seen.matched).toBeGreaterThan(1000);
    expect(seen.missed).toBeGreaterThan(1000);
  });
});
