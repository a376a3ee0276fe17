import { createHash } from 'node:crypto';

/** The project's UUIDv5 namespace: ids derived in it never collide with another system's. */
export const importJobsNamespace = '5b0c3f6e-4a0e-4f8e-9a34-0c6f1d7e2b91';

/**
 * RFC 9562 UUIDv5: the same name always gives the same id, which is what makes re-appends and
 * redelivered messages recognisable as the same event.
 */
export function uuidV5(name: string, namespace: string = importJobsNamespace): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
