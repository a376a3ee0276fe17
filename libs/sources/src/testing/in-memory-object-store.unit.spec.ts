import { randomUUID } from 'node:crypto';
import { InMemoryObjectStore } from './in-memory-object-store';
import { testObjectStore } from './object-store.contract';

testObjectStore('InMemoryObjectStore', async () => {
  const store = new InMemoryObjectStore();
  return {
    store,
    newBucket: async () => {
      const bucket = `object-store-${randomUUID()}`;
      store.createBucket(bucket);
      return bucket;
    },
    credentials: [],
    close: () => store.close(),
  };
});
