import { randomBytes } from 'node:crypto';

/** Lower-case hex: valid in SQL identifiers, topic names and bucket names alike, so that runs never share one. */
export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}
