import type { RegExpEngine } from 'ajv/dist/types';
import { RE2JS } from 're2js';

/**
 * ajv's engine for `pattern` and `patternProperties`. A client's pattern must run in time linear in
 * the checked text: RE2 guarantees that for any pattern (`^(a+)+$` on a long run of "a" and one "!"
 * never ends on a backtracking engine). Patterns are JSON Schema's, ECMA-262 syntax:
 * `translateRegExp` turns what RE2 spells differently (`\uXXXX`, named groups) into RE2's spelling.
 * ajv always asks for the `u` flag, and RE2 always matches code points.
 *
 * RE2JS is JavaScript, though, and a match costs it ten times or more what it costs V8's own engine:
 * with a pattern in a schema, that was a tenth of a CSV row's whole import. Most schema patterns are
 * anchored runs of characters (`^C[0-9]{7}$`, `^[A-Z]{2}-[a-z0-9-]+$`): for those,
 * `backtrackingIsLinear` proves that V8's backtracking stays linear too, and V8's RegExp, which
 * matches such a pattern exactly as RE2 does, checks them. Every pattern is still compiled by RE2
 * first, so a pattern RE2 refuses stays refused whichever engine would run it.
 */
export const linearTimeRegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re2 = RE2JS.compile(RE2JS.translateRegExp(pattern));
    return backtrackingIsLinear(pattern) ? new RegExp(pattern, 'u') : re2;
  },
  // ajv names the engine by this only in standalone code, which this service never generates.
  { code: 'RE2JS.compile' },
);

/** Code point ranges, sorted, disjoint, inclusive. */
type CodePoints = readonly (readonly [number, number])[];

interface Item {
  readonly codePoints: CodePoints;
  readonly min: number;
  readonly max: number;
}

/**
 * Items a pattern may hold and still be run by V8: each item after a quantifier that backtracks may
 * be tried again at every character given back, so this bounds the work per character.
 */
const maxItems = 64;
/** RE2's own bound on a counted repetition: a larger count never compiles there. */
const maxRepeat = 1000;
const maxCodePoint = 0x10ffff;

const digits: CodePoints = [[0x30, 0x39]];
const wordCharacters: CodePoints = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
/** Characters that mean something outside a class; escaped, each (and `/`) means itself in both engines. */
const syntaxCharacters = new Set('^$\\.*+?()[]{}|');
const escapable = new Set([...syntaxCharacters, '/']);

/**
 * Whether `pattern` is one V8 runs in linear time, and matches exactly as RE2 does: `^`, then
 * items, then an optional `$`. An item is a literal character, `\d`, `\D`, `\w`, `\W`, an escaped
 * syntax character or a class of these and of ranges (`[^a-z0-9_-]`), with a greedy `?`, `*`, `+`,
 * `{n}`, `{n,}` or `{n,m}`. On these the engines agree: a character means itself, `\d` and `\w` are
 * ASCII in both, `$` is only the end of the text, and both match code points. `.` and `\s` are left
 * to RE2 (they differ on `\r` and on Unicode spaces), as are groups, alternatives and lookarounds.
 *
 * Linear time: the pattern is anchored at the start, so it is tried at one position only, and every
 * item whose repetition can vary takes no character that the items able to follow it could take (up
 * to the first item that must match, or the end). Once the greedy try fails, each character an item
 * gives back is one that none of those items takes, so each such try fails at once: the whole
 * match costs at most the text's length times the number of items.
 */
export function backtrackingIsLinear(pattern: string): boolean {
  const items = itemsOf(pattern);
  if (items === undefined || items.length > maxItems) return false;
  return items.every((item, index) => item.min === item.max || !overlapsWhatMayFollow(item, items.slice(index + 1)));
}

function overlapsWhatMayFollow(item: Item, following: readonly Item[]): boolean {
  for (const next of following) {
    if (overlaps(item.codePoints, next.codePoints)) return true;
    if (next.min > 0) return false;
  }
  return false;
}

/** The pattern's items, or undefined when it is not `^`, items, and an optional `$`. */
function itemsOf(pattern: string): Item[] | undefined {
  const characters = [...pattern];
  if (characters[0] !== '^') return undefined;
  const end = characters.at(-1) === '$' && characters.at(-2) !== '\\' ? characters.length - 1 : characters.length;
  const items: Item[] = [];
  let at = 1;
  while (at < end) {
    const atom = atomAt(characters, at, end);
    if (atom === undefined) return undefined;
    const quantifier = quantifierAt(characters, atom.next, end);
    if (quantifier === undefined) return undefined;
    items.push({ codePoints: atom.codePoints, min: quantifier.min, max: quantifier.max });
    at = quantifier.next;
  }
  return items;
}

function atomAt(characters: readonly string[], at: number, end: number): { codePoints: CodePoints; next: number } | undefined {
  const character = characters[at] as string;
  if (character === '[') return classAt(characters, at + 1, end);
  if (character === '\\') {
    const escaped = at + 1 < end ? escapeOf(characters[at + 1] as string, escapable) : undefined;
    return escaped && { codePoints: escaped, next: at + 2 };
  }
  if (syntaxCharacters.has(character) || !isPlainLiteral(character)) return undefined;
  return { codePoints: single(character), next: at + 1 };
}

/** A class from just after its `[`. */
function classAt(characters: readonly string[], start: number, end: number): { codePoints: CodePoints; next: number } | undefined {
  const negated = characters[start] === '^';
  let at = negated ? start + 1 : start;
  const first = at;
  let members: CodePoints = [];
  while (at < end && characters[at] !== ']') {
    // A "-" first or last in a class means itself, in both engines.
    const from = characters[at] === '-' && (at === first || characters[at + 1] === ']') ? { codePoints: single('-'), single: true, next: at + 1 } : classMemberAt(characters, at, end);
    if (from === undefined) return undefined;
    at = from.next;
    if (characters[at] === '-' && at + 1 < end && characters[at + 1] !== ']') {
      const to = classMemberAt(characters, at + 1, end);
      const [low] = from.codePoints[0] ?? [];
      const [high] = to?.codePoints[0] ?? [];
      // A range's ends are single characters, never `\d` or `\w`.
      if (to === undefined || !from.single || !to.single || low === undefined || high === undefined || low > high) return undefined;
      members = union(members, [[low, high]]);
      at = to.next;
    } else {
      members = union(members, from.codePoints);
    }
  }
  if (at >= end || members.length === 0) return undefined;
  return { codePoints: negated ? complement(members) : members, next: at + 1 };
}

/**
 * Inside a class, `.`, `*`, `(`, `$` and their like mean themselves in both engines; `^`, `[` (RE2
 * reads `[:alpha:]` there) and, but first or last, `-` are taken only escaped.
 */
const classSyntaxCharacters = new Set('\\]-^[');
const classEscapable = new Set([...escapable, '-']);

function classMemberAt(characters: readonly string[], at: number, end: number): { codePoints: CodePoints; single: boolean; next: number } | undefined {
  const character = characters[at] as string;
  if (character === '\\') {
    const next = characters[at + 1];
    const escaped = at + 1 < end && next !== undefined ? escapeOf(next, classEscapable) : undefined;
    return escaped && { codePoints: escaped, single: classEscapable.has(next as string), next: at + 2 };
  }
  if (classSyntaxCharacters.has(character) || !isPlainLiteral(character)) return undefined;
  return { codePoints: single(character), single: true, next: at + 1 };
}

function escapeOf(escaped: string, literals: ReadonlySet<string>): CodePoints | undefined {
  switch (escaped) {
    case 'd':
      return digits;
    case 'D':
      return complement(digits);
    case 'w':
      return wordCharacters;
    case 'W':
      return complement(wordCharacters);
    default:
      return literals.has(escaped) ? single(escaped) : undefined;
  }
}

function quantifierAt(characters: readonly string[], at: number, end: number): { min: number; max: number; next: number } | undefined {
  const quantifier = at < end ? characters[at] : undefined;
  let bounds: { min: number; max: number; next: number } | undefined;
  if (quantifier === '?') bounds = { min: 0, max: 1, next: at + 1 };
  else if (quantifier === '*') bounds = { min: 0, max: Infinity, next: at + 1 };
  else if (quantifier === '+') bounds = { min: 1, max: Infinity, next: at + 1 };
  else if (quantifier === '{') bounds = countAt(characters, at + 1, end);
  else return { min: 1, max: 1, next: at };
  // A lazy (`*?`) or possessive (`*+`) quantifier, or a quantifier of a quantifier, is left to RE2.
  if (bounds === undefined || bounds.max === 0 || (bounds.next < end && '?*+{'.includes(characters[bounds.next] as string))) return undefined;
  return bounds;
}

function countAt(characters: readonly string[], start: number, end: number): { min: number; max: number; next: number } | undefined {
  const close = characters.indexOf('}', start);
  if (close < 0 || close >= end) return undefined;
  const match = /^(\d{1,4})(,(\d{1,4})?)?$/.exec(characters.slice(start, close).join(''));
  if (match === null) return undefined;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : match[3] === undefined ? Infinity : Number(match[3]);
  if (min > maxRepeat || (max !== Infinity && (max > maxRepeat || max < min))) return undefined;
  return { min, max, next: close + 1 };
}

/** A printable character, never a lone surrogate (which the engines read differently). */
function isPlainLiteral(character: string): boolean {
  const codePoint = character.codePointAt(0) as number;
  return codePoint >= 0x20 && codePoint !== 0x7f && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
}

function single(character: string): CodePoints {
  const codePoint = character.codePointAt(0) as number;
  return [[codePoint, codePoint]];
}

function union(a: CodePoints, b: CodePoints): CodePoints {
  const sorted = [...a, ...b].sort(([lowA], [lowB]) => lowA - lowB);
  const merged: [number, number][] = [];
  for (const [low, high] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged;
}

function complement(ranges: CodePoints): CodePoints {
  const gaps: [number, number][] = [];
  let next = 0;
  for (const [low, high] of ranges) {
    if (low > next) gaps.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= maxCodePoint) gaps.push([next, maxCodePoint]);
  return gaps;
}

function overlaps(a: CodePoints, b: CodePoints): boolean {
  return a.some(([lowA, highA]) => b.some(([lowB, highB]) => lowA <= highB && lowB <= highA));
}
