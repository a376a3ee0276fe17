/**
 * README's answers are JSON written for people: `…` stands for what is left out, an id is shown by
 * its first characters (`"3b0c…"`) or as `<id>`, and a date is any date. An answer is read as a
 * pattern: an object without `…` must have exactly the fields shown, one with `,…}` at least them;
 * an array ending `,…]` starts with the items shown; `{…}` is any object; a string holding `…` or
 * a `<name>` matches any text there, and the text an id placeholder stood for is bound, so that
 * later commands use it and later answers must show the same.
 */
export type Bindings = Map<string, string>;

const more = '\u2026';
const anyFields = `${more}fields`;
/** An id as README shows it: its first characters and `…`, or a name in angle brackets. */
const placeholder = /[0-9a-f]{4}\u2026|<[a-z][a-z ]*>/g;
const isoDateTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

export function parseAnswer(text: string): unknown {
  const json = text
    .replace(/\{\u2026\}/g, `{"${anyFields}":true}`)
    .replace(/,\s*\u2026\s*\}/g, `,"${anyFields}":true}`)
    .replace(/,\s*\u2026\s*\]/g, `,"${more}"]`);
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new Error(`README's answer is not JSON once its "…" are read: ${text}`, { cause: error });
  }
}

/** Where `actual` differs from the README's answer; [] when it matches. Binds placeholders as it goes. */
export function mismatches(expected: unknown, actual: unknown, bindings: Bindings, path = '(answer)'): string[] {
  if (typeof expected === 'string') return stringMismatches(expected, actual, bindings, path);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: README shows an array, the answer has ${JSON.stringify(actual)}`];
    const open = expected.at(-1) === more;
    const shown = open ? expected.slice(0, -1) : expected;
    if (open ? actual.length < shown.length : actual.length !== shown.length) return [`${path}: README shows ${shown.length}${open ? ' or more' : ''} items, the answer has ${actual.length}`];
    return shown.flatMap((item, index) => mismatches(item, actual[index], bindings, `${path}[${index}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path}: README shows an object, the answer has ${JSON.stringify(actual)}`];
    const { [anyFields]: open, ...shown } = expected as Record<string, unknown>;
    const extra = open ? [] : Object.keys(actual).filter((key) => !(key in shown));
    return [
      ...extra.map((key) => `${path}.${key}: in the answer, not in README`),
      ...Object.entries(shown).flatMap(([key, value]) =>
        key in actual ? mismatches(value, (actual as Record<string, unknown>)[key], bindings, `${path}.${key}`) : [`${path}.${key}: in README, not in the answer`],
      ),
    ];
  }
  return Object.is(expected, actual) ? [] : [`${path}: README shows ${JSON.stringify(expected)}, the answer has ${JSON.stringify(actual)}`];
}

function stringMismatches(expected: string, actual: unknown, bindings: Bindings, path: string): string[] {
  if (typeof actual !== 'string') return [`${path}: README shows a string, the answer has ${JSON.stringify(actual)}`];
  if (isoDateTime.test(expected)) return isoDateTime.test(actual) ? [] : [`${path}: README shows a date, the answer has ${JSON.stringify(actual)}`];
  const names = [...expected.matchAll(placeholder)].map((match) => match[0]);
  const pattern = expected
    .split(placeholder)
    .map((literal) => literal.split(more).map(escapeRegExp).join('.*'))
    .reduce((whole, literal, index) => `${whole}${index === 0 ? '' : '([^/"\\s]+)'}${literal}`, '');
  const match = new RegExp(`^${pattern}$`, 's').exec(actual);
  if (!match) return [`${path}: README shows ${JSON.stringify(expected)}, the answer has ${JSON.stringify(actual)}`];
  return names.flatMap((name, index) => {
    const value = match[index + 1]!;
    const bound = bindings.get(name);
    if (bound === undefined) bindings.set(name, value);
    return bound === undefined || bound === value ? [] : [`${path}: ${name} stood for ${bound} before, here for ${value}`];
  });
}

/** A command with every placeholder README bound so far replaced by what it stood for. */
export function substituted(command: string, bindings: Bindings): string {
  const text = command.replace(placeholder, (name) => bindings.get(name) ?? name);
  const unbound = text.match(placeholder);
  if (unbound) throw new Error(`README uses ${unbound.join(', ')} before any answer shows what it stands for: ${command}`);
  return text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
