import { createHash } from 'node:crypto';
import type { IncomingMessage } from '@import-jobs/messaging';

export interface KeyTally {
  /** Keys expected and never delivered. */
  readonly lost: number;
  /** Deliveries beyond the first of a key. */
  readonly duplicated: number;
  /** Delivered keys that no row of the source had. */
  readonly unexpected: number;
  /** A SHA-256 of the sorted keys delivered, to compare with the expected keys' one. */
  readonly checksum: string;
  readonly expectedChecksum: string;
}

/**
 * Compares the keys a destination holds with the keys of the source's valid rows, each of which
 * must be there exactly once.
 */
export function tallyKeys(expected: Iterable<string>, delivered: Iterable<string | null>): KeyTally {
  const wanted = new Set(expected);
  const seen = new Map<string, number>();
  for (const key of delivered) seen.set(key ?? '', (seen.get(key ?? '') ?? 0) + 1);
  let lost = 0;
  for (const key of wanted) if (!seen.has(key)) lost++;
  let duplicated = 0;
  let unexpected = 0;
  for (const [key, count] of seen) {
    duplicated += count - 1;
    if (!wanted.has(key)) unexpected++;
  }
  const deliveredKeys: string[] = [];
  for (const [key, count] of seen) for (let copy = 0; copy < count; copy++) deliveredKeys.push(key);
  return { lost, duplicated, unexpected, checksum: checksumOf(deliveredKeys), expectedChecksum: checksumOf([...wanted]) };
}

function checksumOf(keys: string[]): string {
  const hash = createHash('sha256');
  for (const key of keys.sort()) hash.update(key).update('\n');
  return hash.digest('hex');
}

/**
 * Where the duplicates of a destination lie, by the piece that wrote them: how many records each
 * copy holds and at which offsets, which tells a piece imported twice from a batch sent twice.
 */
export function duplicatesExplained(delivered: readonly IncomingMessage[]): string {
  const firstOffsetOfKey = new Map<string, string>();
  const repeats = new Map<string, { count: number; firstOffsets: Set<string>; repeatOffsets: string[] }>();
  for (const message of delivered) {
    const key = message.key ?? '';
    const first = firstOffsetOfKey.get(key);
    if (first === undefined) {
      firstOffsetOfKey.set(key, message.offset);
      continue;
    }
    const piece = message.headers['import-piece-id'] ?? '?';
    const entry = repeats.get(piece) ?? { count: 0, firstOffsets: new Set<string>(), repeatOffsets: [] };
    entry.count++;
    entry.firstOffsets.add(first);
    entry.repeatOffsets.push(message.offset);
    repeats.set(piece, entry);
  }
  const span = (offsets: Iterable<string>): string => {
    const sorted = [...offsets].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `${sorted[0]}..${sorted.at(-1)}`;
  };
  return [...repeats]
    .map(([piece, { count, firstOffsets, repeatOffsets }]) => `piece ${piece}: ${count} records again at offsets ${span(repeatOffsets)}, first at ${span(firstOffsets)}`)
    .join('; ');
}
