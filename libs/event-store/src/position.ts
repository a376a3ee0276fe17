import type { GlobalPosition } from './event-store';

/** Negative, zero or positive as `a` comes before, at or after `b` in the global order. */
export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function samePosition(a: GlobalPosition | undefined, b: GlobalPosition | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return comparePositions(a, b) === 0;
}

/** JSON form of a position. JSON has no bigint, and a number would silently lose digits above 2^53. */
export interface SerializedPosition {
  readonly commit: string;
  readonly prepare: string;
}

export function serializePosition(position: GlobalPosition): SerializedPosition {
  return { commit: position.commit.toString(), prepare: position.prepare.toString() };
}

const unsignedInteger = /^(0|[1-9][0-9]*)$/;

export function deserializePosition(value: unknown): GlobalPosition {
  if (typeof value === 'object' && value !== null) {
    const { commit, prepare } = value as Record<string, unknown>;
    if (typeof commit === 'string' && typeof prepare === 'string' && unsignedInteger.test(commit) && unsignedInteger.test(prepare)) {
      return { commit: BigInt(commit), prepare: BigInt(prepare) };
    }
  }
  throw new TypeError(`Not a serialized position: ${JSON.stringify(value)}`);
}
