import { randomUUID } from 'node:crypto';
import { MaxAppendSizeExceededError, type EventStoreDBClient } from '@eventstore/db-client';
import { maxAppendBytes } from '../append-validation';
import { AppendTooLargeError, EventStoreUnavailableError } from '../errors';
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

  it('refuses an append over maxAppendBytes before calling the server', async () => {
    const tooLarge = [{ id: randomUUID(), type: 'Large', data: { value: 'a'.repeat(maxAppendBytes) } }];

    const error = await store.appendToStream('too-large', tooLarge).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error).toMatchObject({ streamId: 'too-large', retriable: false });
  });
});

describe('EventStoreDB adapter with a server configured below the default MaxAppendSize', () => {
  it('reports the server refusing an append as too large as AppendTooLargeError, with the server limit', async () => {
    const refusing = {
      appendToStream: async () => Promise.reject(MaxAppendSizeExceededError.fromMaxAppendSize(1024)),
      dispose: async () => undefined,
    } as unknown as EventStoreDBClient;
    const store = new EventStoreDBEventStore(refusing);
    const event = { id: randomUUID(), type: 'Weighed', data: { value: 'a'.repeat(2000) } };

    const error = await store.appendToStream('s-small-limit', [event]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error).toMatchObject({ streamId: 's-small-limit', retriable: false, size: { limitBytes: 1024, largestEventId: event.id } });
    await store.close();
  });
});
