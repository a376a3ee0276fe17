/**
 * Levels of objects and arrays an NDJSON record may nest, the record itself being level 1.
 * JSON.parse reads any depth, but JSON.stringify, ajv and most readers downstream recurse, and a
 * line of 10,000 brackets overflows their stack: a row failure here is a clear outcome, a RangeError
 * later is a piece that fails on every attempt.
 */
export const defaultMaxNestingDepth = 64;

const openingBrackets = ['{', '['] as const;
/** Only a line with a run of 16 digits or a 3-digit exponent can hold a number a double changes. */
const mayHoldInexactNumber = /\d{16}|[eE][+-]?\d{3}/;
const numberToken = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Why a line of valid JSON, parsed, cannot be published as it is, or undefined. Most lines are
 * cleared by two native searches; only a line with more brackets than `maxDepth`, or with a long
 * digit run, is scanned.
 */
export function jsonLineProblem(text: string, maxDepth: number): string | undefined {
  if (!bracketsExceed(text, maxDepth) && !mayHoldInexactNumber.test(text)) return undefined;
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char === '"') {
      index = endOfString(text, index);
    } else if (char === '{' || char === '[') {
      if (++depth > maxDepth) return `nested deeper than ${maxDepth} levels of objects and arrays`;
    } else if (char === '}' || char === ']') {
      depth--;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      numberToken.lastIndex = index;
      const token = numberToken.exec(text)?.[0] ?? char;
      const problem = numberProblem(token);
      if (problem !== undefined) return problem;
      index += token.length - 1;
    }
  }
  return undefined;
}

function bracketsExceed(text: string, count: number): boolean {
  let found = 0;
  for (const bracket of openingBrackets) {
    for (let index = text.indexOf(bracket); index !== -1; index = text.indexOf(bracket, index + 1)) {
      if (++found > count) return true;
    }
  }
  return false;
}

/** The index of the quote that closes the string opened at `open` (the text is valid JSON). */
function endOfString(text: string, open: number): number {
  let index = open + 1;
  for (;;) {
    const close = text.indexOf('"', index);
    let backslashes = 0;
    while (text[close - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return close;
    index = close + 1;
  }
}

/**
 * A number is published as JSON.stringify writes its double. An integer literal that comes out
 * otherwise (an id of 20 digits) would be changed without a word, so its row fails, asking for a
 * string; a fraction keeps its nearest double, as any JSON reader built on doubles keeps it.
 */
function numberProblem(token: string): string | undefined {
  const value = Number(token);
  if (!Number.isFinite(value)) return `number ${token} is beyond the range of a double`;
  const isIntegerLiteral = !token.includes('.') && !/[eE]/.test(token);
  if (isIntegerLiteral && !Number.isSafeInteger(value) && String(value) !== token) {
    return `integer ${token} would be published as ${String(value)}, as a double cannot hold it: write it as a string`;
  }
  return undefined;
}
