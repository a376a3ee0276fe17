import type { EventStore } from '@import-jobs/event-store';
import type { Messaging } from '@import-jobs/messaging';
import type { ObjectStore } from '@import-jobs/sources';
import type { Pool } from 'pg';

/**
 * One dependency the service cannot work without, and how to ask it whether it answers. Each probe
 * runs under a deadline: a broker that stopped answering would otherwise hold the probe for the
 * client's whole retry budget, longer than any orchestrator waits.
 */
export interface Dependency {
  readonly name: string;
  probe(): Promise<unknown>;
}

export function serviceDependencies({
  messaging,
  database,
  store,
  objectStore,
  reportsBucket,
}: {
  messaging: Messaging;
  database: Pool;
  store: EventStore;
  objectStore: ObjectStore;
  reportsBucket: string;
}): readonly Dependency[] {
  return [
    { name: 'kafka', probe: () => messaging.admin.ping() },
    { name: 'postgresql', probe: () => database.query('SELECT 1') },
    // A stream nobody writes: a read that touches the store and costs nothing, on either adapter.
    { name: 'event-store', probe: () => store.readLastEvent('import-jobs-readiness-probe') },
    // One key of the service's own bucket: answered only while the bucket is there and readable.
    { name: 's3', probe: () => objectStore.list(reportsBucket, '', { pageSize: 1 }) },
  ];
}

export async function withDeadline<T>(what: string, work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
