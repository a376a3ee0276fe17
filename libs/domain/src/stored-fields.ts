// Reading stored events field by field: a stored event is input like any other, and each reader
// checks the shape its version promises, naming the field at fault but never repeating its value.

export type Fields = Readonly<Record<string, unknown>>;

/**
 * The object of `T`, from every field `T` has, each read (undefined for an optional field absent):
 * a field added to `T` and not read here fails to compile, rather than being dropped from every
 * stream on its way to `evolve`.
 */
export function everyField<T extends object>(fields: { readonly [Field in keyof Required<T>]: T[Field] | undefined }): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

export class UnreadableField extends Error {
  constructor(path: string, problem: string) {
    super(`${path} ${problem}`);
  }
}

export function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : typeof value === 'object' ? 'an object' : typeof value === 'undefined' ? 'missing' : `${String(value)}`;
}

export function record(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnreadableField(path, `is ${shapeOf(value)}, not an object`);
  return value as Fields;
}

export function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new UnreadableField(path, `is ${shapeOf(value)}, not a string`);
  return value;
}

export function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new UnreadableField(path, `is ${shapeOf(value)}, not true or false`);
  return value;
}

/** Counters, sizes, positions: every sum of them must stay exact. */
export function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new UnreadableField(path, `is ${shapeOf(value)}, not a whole number from 0`);
  return value;
}

/**
 * An ISO-8601 date and time with its offset, as `decide` records `metadata.now`, that PostgreSQL
 * can store (no year 0): in the one form `toISOString` gives, so that both sides hold the same text.
 */
export function timestamp(value: unknown, path: string): string {
  const time = typeof value === 'string' && isoDateTime.test(value) ? Date.parse(value) : Number.NaN;
  const iso = Number.isFinite(time) ? new Date(time).toISOString() : undefined;
  if (iso === undefined || !/^(?!0000)\d{4}-/.test(iso)) throw new UnreadableField(path, `is ${shapeOf(value)}, not an ISO-8601 date and time`);
  return iso;
}
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function oneOf<Value extends string>(value: unknown, path: string, values: readonly Value[]): Value {
  if (!(values as readonly unknown[]).includes(value)) throw new UnreadableField(path, `is ${shapeOf(value)}, not one of ${values.join(', ')}`);
  return value as Value;
}

export function list<Item>(value: unknown, path: string, item: (value: unknown, path: string) => Item): Item[] {
  if (!Array.isArray(value)) throw new UnreadableField(path, `is ${shapeOf(value)}, not a list`);
  return value.map((entry, index) => item(entry, `${path}[${index}]`));
}

/** Absent is absent; a field present with the wrong shape (null included) is not. */
export function optional<Value>(value: unknown, path: string, read: (value: unknown, path: string) => Value): Value | undefined {
  return value === undefined ? undefined : read(value, path);
}
