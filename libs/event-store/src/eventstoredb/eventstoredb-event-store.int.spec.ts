import { testEventStore } from '../testing/event-store.contract';
import { EventStoreDBEventStore } from './eventstoredb-event-store';

const url = process.env.EVENTSTORE_URL;

if (url) {
  testEventStore('EventStoreDB', async () => EventStoreDBEventStore.fromConnectionString(url));
} else {
  const reason = 'EVENTSTORE_URL is not set, so no EventStoreDB is reachable (e.g. EVENTSTORE_URL=esdb://localhost:2113?tls=false)';
  console.warn(`Skipping the EventStoreDB event store contract: ${reason}`);
  describe.skip(`EventStoreDB: the event store contract (skipped: ${reason})`, () => {
    it('runs the event store contract against EventStoreDB', () => undefined);
  });
}
