import { randomUUID } from 'node:crypto';
import { EventStoreUnavailableError } from '../errors';
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

// Needs no server: nothing listens on port 1, so this runs everywhere.
describe('EventStoreDB adapter without a reachable server', () => {
  const store = EventStoreDBEventStore.fromConnectionString('esdb://127.0.0.1:1?tls=false');

  afterAll(async () => {
    await store.close();
  });

  it.each([
    ['an append', () => store.appendToStream(`s-${randomUUID()}`, [{ id: randomUUID(), type: 'Tested', data: {} }])],
    ['a stream read', () => store.readStream(`s-${randomUUID()}`)],
    ['a read of all streams', () => store.readAll({ maxCount: 1 })],
    ['a checkpoint read', () => store.checkpoints.read(randomUUID())],
    ['a subscription', () => store.subscribeToAll({ onEvent: async () => undefined }).finished],
  ])('reports %s as a retriable EventStoreUnavailableError', async (_, call) => {
    const error = await call().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(error).toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE', retriable: true });
  });
});
