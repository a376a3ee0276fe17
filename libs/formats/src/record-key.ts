const loneSurrogate = /\p{Cs}/u;

export type RecordKey = { readonly ok: true; readonly key: string | null } | { readonly ok: false; readonly reason: string };

/**
 * The Kafka message key of a record: the value of its top-level `keyField`, or null (no key, the
 * producer spreads records over partitions) when the job names no key field. A missing, null or
 * empty key, or one that is not a string or a finite number, is a row failure, never a null key
 * that would silently drop the row's ordering guarantee.
 */
export function keyOf(record: Record<string, unknown>, keyField: string | undefined): RecordKey {
  if (keyField === undefined) return { ok: true, key: null };
  // Own properties only: `constructor` or `toString` must not find Object.prototype's.
  const value = Object.hasOwn(record, keyField) ? record[keyField] : undefined;
  if (value === undefined || value === null || value === '') return { ok: false, reason: `/${keyField}: key field is missing` };
  if (typeof value === 'string') {
    // Kafka keys are UTF-8: a lone surrogate (from a "\ud800" escape) would become U+FFFD, and
    // different keys the same one, sending their records to one partition as one key.
    if (loneSurrogate.test(value)) return { ok: false, reason: `/${keyField}: key field holds a lone surrogate, which UTF-8 cannot carry` };
    return { ok: true, key: value };
  }
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, key: String(value) };
  const found = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  return { ok: false, reason: `/${keyField}: key field must be a string or a number, found ${found}` };
}
