import { randomUUID } from 'node:crypto';
import { runCheckpointedSubscription } from '../checkpointed-subscription';
import { maxAppendBytes } from '../append-validation';
import { AppendTooLargeError, EventIdConflictError, WrongExpectedRevisionError } from '../errors';
import type { EventStore, EventToAppend, ExpectedRevision, GlobalPosition, RecordedEvent, Subscription } from '../event-store';
import { comparePositions } from '../position';
import { eventually } from './eventually';

export interface EventStoreContractOptions {
  /** How long to wait for events to reach readers and subscribers; generous, for loaded machines. */
  readonly deliveryTimeoutMs?: number;
}

/**
 * The behaviour every EventStore adapter must show, registered as jest blocks. The store is shared
 * by every spec of the run and never assumed empty: each test writes to its own random streams and
 * looks only at those, or reads after a position taken when it starts.
 */
export function testEventStore(name: string, factory: () => Promise<EventStore>, options: EventStoreContractOptions = {}): void {
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 30_000;

  describe(`${name}: the event store contract`, () => {
    let store: EventStore;
    const subscriptions: Subscription[] = [];

    beforeAll(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    });

    afterAll(async () => {
      await store?.close();
    });

    /** A position before anything this test writes, so that it never reads the whole shared store. */
    async function currentPosition(): Promise<GlobalPosition> {
      const streamId = newStreamId('marker');
      await store.appendToStream(streamId, [newEvent('MarkerWritten')]);
      const [marker] = await store.readStream(streamId);
      if (!marker) throw new Error('the marker event was not stored');
      return marker.position;
    }

    /** Every event after `after`, page by page, once `done` holds for those of `streamIds`. */
    async function readAllOf(streamIds: ReadonlySet<string>, after: GlobalPosition, done: (events: RecordedEvent[]) => boolean, maxCount = 100) {
      return eventually(`readAll to return the events of ${streamIds.size} streams`, async () => {
        const events: RecordedEvent[] = [];
        for (let from = after; ; ) {
          const page = await store.readAll({ after: from, maxCount });
          events.push(...page);
          const last = page[page.length - 1];
          if (page.length < maxCount || !last) break;
          from = last.position;
        }
        const own = events.filter((event) => streamIds.has(event.streamId));
        return done(own) && { all: events, own };
      }, { timeoutMs: deliveryTimeoutMs });
    }

    function subscribeCollecting(after: GlobalPosition, streamIds: ReadonlySet<string>) {
      const all: RecordedEvent[] = [];
      const own: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({
        after,
        onEvent: async (event) => {
          all.push(event);
          if (streamIds.has(event.streamId)) own.push(event);
        },
      });
      subscriptions.push(subscription);
      return { all, own };
    }

    async function waitForCount(what: string, events: readonly unknown[], count: number, timeoutMs = deliveryTimeoutMs): Promise<void> {
      await eventually(() => `${what} to reach ${count} (at ${events.length})`, async () => events.length >= count, { timeoutMs });
    }

    describe('appending and reading a stream', () => {
      it('reads back the appended events in order, with revisions from 0', async () => {
        const streamId = newStreamId();
        const first = [newEvent('ItemAdded', { sku: 'a', quantity: 1 }), newEvent('ItemAdded', { sku: 'b', nested: { list: [1, 'two', null, true] } })];
        const second = [{ ...newEvent('ItemRemoved', { sku: 'a' }), metadata: { correlationId: 'c-1', attempt: 2 } }];

        expect((await store.appendToStream(streamId, first)).nextExpectedRevision).toBe(1n);
        expect((await store.appendToStream(streamId, second)).nextExpectedRevision).toBe(2n);

        const read = await store.readStream(streamId);
        expect(read.map(summary)).toEqual([...first, ...second].map((event, index) => ({ ...summaryOf(event), streamId, streamRevision: BigInt(index) })));
        for (const event of read) expect(event.recordedAt).toBeInstanceOf(Date);
        expectStrictlyIncreasing(read);
      });

      it('reads from a revision, at most maxCount events', async () => {
        const streamId = newStreamId();
        const events = [1, 2, 3, 4, 5].map((n) => newEvent('Counted', { n }));
        await store.appendToStream(streamId, events);

        const read = await store.readStream(streamId, { fromRevision: 1n, maxCount: 3 });

        expect(read.map((event) => [event.streamRevision, event.id])).toEqual([1, 2, 3].map((index) => [BigInt(index), events[index]?.id]));
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await store.readStream(newStreamId())).toEqual([]);
      });

      it('reads the last event of a stream alone, and none of a stream that does not exist', async () => {
        const streamId = newStreamId();
        const events = [1, 2, 3].map((n) => newEvent('Counted', { n }));
        await store.appendToStream(streamId, events);

        expect(await store.readLastEvent(streamId)).toMatchObject({ id: events[2]?.id, streamRevision: 2n, data: { n: 3 } });
        expect(await store.readLastEvent(newStreamId())).toBeUndefined();
      });
    });

    describe('any JSON the domain produces', () => {
      // Raw text of a rejected row reaches events as is: PostgreSQL's jsonb refuses the first four.
      const awkwardStrings: [string, string][] = [
        ['U+0000', 'before\u0000after'],
        ['a lone high surrogate', 'x\ud83dy'],
        ['a lone low surrogate', 'x\ude00y'],
        ['a reversed surrogate pair', 'x\ude00\ud83dy'],
        ['every other C0 and C1 control character, and DEL', String.fromCharCode(...range(0x01, 0x1f), ...range(0x7f, 0x9f))],
        ['a valid pair beside escapes JSON itself needs', '😀 "quoted" back\\slash \u2028\u2029'],
      ];

      it.each(awkwardStrings)('stores and gives back %s in data and metadata, as values and as keys, byte for byte', async (_, text) => {
        const streamId = newStreamId();
        const after = await currentPosition();
        const event: EventToAppend = {
          id: randomUUID(),
          type: 'RowRejected',
          data: { raw: text, [text]: 'as a key', nested: { list: [text, { deeper: text }] }, count: 1 },
          metadata: { source: text, [`key ${text}`]: true },
        };

        await store.appendToStream(streamId, [event]);

        const { own } = await readAllOf(new Set([streamId]), after, (events) => events.length >= 1);
        const read = [...(await store.readStream(streamId)), await store.readLastEvent(streamId), ...own];
        for (const stored of read) {
          expect(stored?.data).toEqual(event.data);
          expect(stored?.metadata).toEqual(event.metadata);
          expect(JSON.stringify(stored?.data)).toBe(JSON.stringify(event.data));
          expect(JSON.stringify(stored?.metadata)).toBe(JSON.stringify(event.metadata));
        }
      });

      it('stores an append that weighs exactly maxAppendBytes, counted in UTF-8 bytes, and gives it back whole', async () => {
        const streamId = newStreamId();
        const event = eventWeighing(maxAppendBytes, '\u0000\ud83d');

        await store.appendToStream(streamId, [event]);

        const [stored] = await store.readStream(streamId);
        expect(stored?.data['value']).toBe(event.data['value']);
      });

      it.each([
        ['one event one byte over the limit', [eventWeighing(maxAppendBytes + 1)]],
        ['events that are small enough alone but not together', [eventWeighing(maxAppendBytes / 2), eventWeighing(maxAppendBytes / 2 + 1)]],
      ])('refuses %s, naming the stream and its size, and stores nothing', async (_, events) => {
        const streamId = newStreamId();

        const error = await rejectionOf(store.appendToStream(streamId, events));

        expect(error).toBeInstanceOf(AppendTooLargeError);
        expect(error).toMatchObject({ code: 'APPEND_TOO_LARGE', retriable: false, streamId, size: { appendBytes: maxAppendBytes + 1, limitBytes: maxAppendBytes } });
        expect((error as Error).message).toContain(streamId);
        expect((error as Error).message).toContain(String(maxAppendBytes + 1));
        expect(await store.readStream(streamId)).toEqual([]);
      });
    });

    describe('expected revision', () => {
      const cases: { title: string; existing: number; expected: ExpectedRevision; outcome: bigint | { actual: bigint | 'no_stream' } }[] = [
        { title: 'no_stream appends to a new stream', existing: 0, expected: 'no_stream', outcome: 0n },
        { title: 'no_stream fails on a stream that exists', existing: 1, expected: 'no_stream', outcome: { actual: 0n } },
        { title: 'stream_exists appends to a stream that exists', existing: 2, expected: 'stream_exists', outcome: 2n },
        { title: 'stream_exists fails on a new stream', existing: 0, expected: 'stream_exists', outcome: { actual: 'no_stream' } },
        { title: 'a revision appends when it is the last one', existing: 2, expected: 1n, outcome: 2n },
        { title: 'a revision fails when the stream has moved on', existing: 3, expected: 1n, outcome: { actual: 2n } },
        { title: 'a revision fails when the stream is behind it', existing: 1, expected: 4n, outcome: { actual: 0n } },
        { title: 'a revision fails on a new stream', existing: 0, expected: 0n, outcome: { actual: 'no_stream' } },
        { title: 'any appends to a new stream', existing: 0, expected: 'any', outcome: 0n },
        { title: 'any appends to a stream that exists', existing: 2, expected: 'any', outcome: 2n },
      ];

      it.each(cases)('$title', async ({ existing, expected, outcome }) => {
        const streamId = newStreamId();
        const before = Array.from({ length: existing }, () => newEvent('Existing'));
        if (before.length > 0) await store.appendToStream(streamId, before);
        const appended = newEvent('Appended');

        const result = store.appendToStream(streamId, [appended], { expectedRevision: expected });

        if (typeof outcome === 'bigint') {
          expect((await result).nextExpectedRevision).toBe(outcome);
          expect((await store.readStream(streamId)).map((event) => event.id)).toEqual([...before, appended].map((event) => event.id));
        } else {
          const error = await rejectionOf(result);
          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', retriable: false, streamId, expected, actual: outcome.actual });
          expect((await store.readStream(streamId)).map((event) => event.id)).toEqual(before.map((event) => event.id));
        }
      });

      it.each<{ title: string; existing: number; expected: ExpectedRevision }>([
        { title: 'no_stream', existing: 0, expected: 'no_stream' },
        { title: 'the same revision', existing: 1, expected: 0n },
      ])('lets exactly one of 8 concurrent appenders expecting $title win', async ({ existing, expected }) => {
        const streamId = newStreamId();
        if (existing > 0) await store.appendToStream(streamId, Array.from({ length: existing }, () => newEvent('Existing')));
        const attempts = Array.from({ length: 8 }, () => [newEvent('Raced'), newEvent('Raced')]);

        const outcomes = await Promise.allSettled(attempts.map((events) => store.appendToStream(streamId, events, { expectedRevision: expected })));

        const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
        expect(winners).toHaveLength(1);
        const winner = attempts[winners[0] ?? -1] ?? [];
        const lastRevision = BigInt(existing + 1);
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') expect(outcome.value.nextExpectedRevision).toBe(lastRevision);
          else expect(outcome.reason).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: lastRevision });
        }
        const stored = await store.readStream(streamId);
        expect(stored.slice(existing).map((event) => event.id)).toEqual(winner.map((event) => event.id));
      });
    });

    describe('idempotent appends', () => {
      it('treats re-appending the same events as a no-op that returns the same revision', async () => {
        const streamId = newStreamId();
        const after = await currentPosition();
        const first = [newEvent('Requested'), newEvent('Planned')];
        const second = [newEvent('PieceCompleted')];
        const original = await store.appendToStream(streamId, first, { expectedRevision: 'no_stream' });
        await store.appendToStream(streamId, second, { expectedRevision: original.nextExpectedRevision });

        // A retried request names the expected revision of its original call, or none at all.
        expect((await store.appendToStream(streamId, first, { expectedRevision: 'no_stream' })).nextExpectedRevision).toBe(1n);
        expect((await store.appendToStream(streamId, first)).nextExpectedRevision).toBe(1n);
        expect((await store.appendToStream(streamId, second, { expectedRevision: 1n })).nextExpectedRevision).toBe(2n);
        expect((await store.appendToStream(streamId, second)).nextExpectedRevision).toBe(2n);

        const expectedIds = [...first, ...second].map((event) => event.id);
        expect((await store.readStream(streamId)).map((event) => event.id)).toEqual(expectedIds);
        const { own } = await readAllOf(new Set([streamId]), after, (events) => events.length >= expectedIds.length);
        expect(own.map((event) => event.id)).toEqual(expectedIds);
      });

      it('writes once when the same append is delivered 5 times at once', async () => {
        const streamId = newStreamId();
        const events = [newEvent('PieceCompleted'), newEvent('JobCompleted')];

        const results = await Promise.all(Array.from({ length: 5 }, () => store.appendToStream(streamId, events, { expectedRevision: 'no_stream' })));

        expect(results.map((result) => result.nextExpectedRevision)).toEqual(Array.from({ length: 5 }, () => 1n));
        expect((await store.readStream(streamId)).map((event) => event.id)).toEqual(events.map((event) => event.id));
      });

      it.each<ExpectedRevision>(['no_stream', 'any'])(
        'rejects a batch of which only some ids are stored, names them, and stores none of it (expecting %s)',
        async (expectedRevision) => {
          const streamId = newStreamId();
          const after = await currentPosition();
          const stored = newEvent('Requested');
          await store.appendToStream(streamId, [stored], { expectedRevision: 'no_stream' });
          const added = newEvent('Planned');

          const error = await rejectionOf(store.appendToStream(streamId, [stored, added], { expectedRevision }));

          expect(error).toBeInstanceOf(EventIdConflictError);
          expect(error).toMatchObject({ code: 'EVENT_ID_CONFLICT', retriable: false, streamId, eventIds: [stored.id] });
          expect((await store.readStream(streamId)).map((event) => event.id)).toEqual([stored.id]);
          const marker = newStreamId('after');
          await store.appendToStream(marker, [newEvent('MarkerWritten')]);
          const { own } = await readAllOf(new Set([streamId, marker]), after, (events) => events.some((event) => event.streamId === marker));
          expect(own.map((event) => event.id)).not.toContain(added.id);
        },
      );
    });

    describe('reading all streams', () => {
      it('returns the events of every stream in one global order, paging after a position', async () => {
        const [a, b] = [newStreamId(), newStreamId()];
        const after = await currentPosition();
        const written: EventToAppend[] = [];
        for (const [streamId, count] of [[a, 2], [b, 1], [a, 3], [b, 2]] as const) {
          const events = Array.from({ length: count }, (_, n) => newEvent('Paged', { n }));
          await store.appendToStream(streamId, events);
          written.push(...events);
        }

        const { all, own } = await readAllOf(new Set([a, b]), after, (events) => events.length >= written.length, 3);

        expect(own.map((event) => event.id)).toEqual(written.map((event) => event.id));
        expect(all.every((event) => comparePositions(event.position, after) > 0)).toBe(true);
        expectStrictlyIncreasing(all);
      });
    });

    describe('subscribing to all streams', () => {
      it('catches up on events written before it started, then delivers live ones', async () => {
        const streamId = newStreamId();
        const after = await currentPosition();
        const earlier = [newEvent('Earlier'), newEvent('Earlier'), newEvent('Earlier')];
        await store.appendToStream(streamId, earlier);

        const { own } = subscribeCollecting(after, new Set([streamId]));
        await waitForCount('caught-up events', own, 3);
        const later = [newEvent('Later'), newEvent('Later')];
        await store.appendToStream(streamId, later.slice(0, 1));
        await store.appendToStream(streamId, later.slice(1));
        await waitForCount('live events', own, 5);

        expect(own.map((event) => event.id)).toEqual([...earlier, ...later].map((event) => event.id));
      });

      it('delivers every event exactly once, in order, while 8 writers append concurrently', async () => {
        const writers = 8;
        const appendsPerWriter = 50;
        const streamIds = Array.from({ length: writers }, (_, writer) => Array.from({ length: 3 }, (__, n) => newStreamId(`w${writer}s${n}`)));
        const ownStreams = new Set(streamIds.flat());
        const after = await currentPosition();
        const { all, own } = subscribeCollecting(after, ownStreams);

        const appended = await Promise.all(
          streamIds.map(async (streams) => {
            let count = 0;
            for (let i = 0; i < appendsPerWriter; i++) {
              const events = Array.from({ length: 1 + (i % 3) }, () => newEvent('Written', { i }));
              await store.appendToStream(streams[i % streams.length] ?? '', events);
              count += events.length;
            }
            return count;
          }),
        );
        const total = appended.reduce((sum, count) => sum + count, 0);
        await waitForCount('subscribed events', own, total, Math.max(deliveryTimeoutMs, 90_000));

        expect(new Set(own.map((event) => event.id)).size).toBe(total);
        expectStrictlyIncreasing(all);
        for (const streamId of ownStreams) {
          const revisions = own.filter((event) => event.streamId === streamId).map((event) => event.streamRevision);
          expect(revisions).toEqual(revisions.map((_, index) => BigInt(index)));
        }
        const read = await readAllOf(ownStreams, after, (events) => events.length >= total, 250);
        expect(read.own.map((event) => event.id)).toEqual(own.map((event) => event.id));
      });

      it('ends when the handler throws, rejecting finished with its error', async () => {
        const streamId = newStreamId();
        const after = await currentPosition();
        const failure = new Error('handler failed');
        const subscription = store.subscribeToAll({
          after,
          onEvent: async (event) => {
            if (event.streamId === streamId) throw failure;
          },
        });
        subscriptions.push(subscription);

        await store.appendToStream(streamId, [newEvent('Unhandled')]);

        await expect(subscription.finished).rejects.toBe(failure);
      });
    });

    describe('checkpoints', () => {
      it('moves a checkpoint only from the value the writer read', async () => {
        const subscriptionId = `contract-${randomUUID()}`;
        const streamId = newStreamId();
        await store.appendToStream(streamId, [newEvent('Checkpointed'), newEvent('Checkpointed'), newEvent('Checkpointed')]);
        const [p1, p2, p3] = (await store.readStream(streamId)).map((event) => event.position);
        if (!p1 || !p2 || !p3) throw new Error('three events were appended');

        expect(await store.checkpoints.read(subscriptionId)).toBeUndefined();
        expect(await store.checkpoints.store(subscriptionId, undefined, p1)).toBe(true);
        expect(await store.checkpoints.store(subscriptionId, undefined, p2)).toBe(false);
        expect(await store.checkpoints.store(subscriptionId, p1, p2)).toBe(true);
        expect(await store.checkpoints.store(subscriptionId, p1, p3)).toBe(false);
        expect(await store.checkpoints.read(subscriptionId)).toEqual(p2);
      });

      it('resumes a checkpointed subscription after a restart without redelivering handled events', async () => {
        const subscriptionId = `contract-${randomUUID()}`;
        const streamId = newStreamId();
        await store.checkpoints.store(subscriptionId, undefined, await currentPosition());
        const handled: RecordedEvent[] = [];
        const run = () => {
          const subscription = runCheckpointedSubscription(store, {
            subscriptionId,
            onEvent: async (event) => {
              if (event.streamId === streamId) handled.push(event);
            },
          });
          subscriptions.push(subscription);
          return subscription;
        };
        const events = Array.from({ length: 5 }, (_, n) => newEvent('Resumed', { n }));

        await store.appendToStream(streamId, events.slice(0, 3));
        const first = run();
        await waitForCount('events handled before the restart', handled, 3);
        await first.stop();
        await store.appendToStream(streamId, events.slice(3));
        run();
        await waitForCount('events handled after the restart', handled, 5);

        expect(handled.map((event) => event.id)).toEqual(events.map((event) => event.id));
        const checkpoint = await eventually('the checkpoint to pass the last event', async () => {
          const stored = await store.checkpoints.read(subscriptionId);
          const last = handled[handled.length - 1];
          return stored && last && comparePositions(stored, last.position) >= 0 && stored;
        });
        expect(checkpoint).toBeDefined();
      });

      it('restarts from the stored checkpoint when another instance moved it, instead of going on', async () => {
        const subscriptionId = `contract-${randomUUID()}`;
        const streamId = newStreamId();
        const start = await currentPosition();
        await store.checkpoints.store(subscriptionId, undefined, start);
        const events = [newEvent('Handled'), newEvent('HandledElsewhere'), newEvent('HandledAfterRestart')];
        await store.appendToStream(streamId, events);
        const [, second] = await store.readStream(streamId);
        if (!second) throw new Error('three events were appended');
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => (release = resolve));
        const handled: string[] = [];

        subscriptions.push(
          runCheckpointedSubscription(store, {
            subscriptionId,
            // Stored after every event, so that the loss is seen right after the first.
            cadence: { events: 1, ms: 60_000 },
            onEvent: async (event) => {
              if (event.streamId !== streamId) return;
              handled.push(event.id);
              if (handled.length === 1) await released;
            },
          }),
        );
        await waitForCount('the first event to be in the handler', handled, 1);
        // Another instance handles the first two events and moves the checkpoint past them. The
        // stored value is stable here: this instance cannot move it while its handler waits.
        const beforeFirst = await store.checkpoints.read(subscriptionId);
        expect(await store.checkpoints.store(subscriptionId, beforeFirst, second.position)).toBe(true);
        release();
        await waitForCount('handled events', handled, 2);

        expect(handled).toEqual([events[0]?.id, events[2]?.id]);
      });

      it('lets the checkpoint trail by at most its cadence of events, and stores the last handled at stop', async () => {
        const subscriptionId = `contract-${randomUUID()}`;
        const streamId = newStreamId();
        await store.checkpoints.store(subscriptionId, undefined, await currentPosition());
        const events = Array.from({ length: 5 }, (_, n) => newEvent('Trailed', { n }));
        await store.appendToStream(streamId, events);
        const positions = (await store.readStream(streamId)).map((event) => event.position);
        const handled: RecordedEvent[] = [];
        const subscription = runCheckpointedSubscription(store, {
          subscriptionId,
          cadence: { events: 2, ms: 600_000 },
          onEvent: async (event) => {
            if (event.streamId === streamId) handled.push(event);
          },
        });
        subscriptions.push(subscription);

        await waitForCount('handled events', handled, 5);
        // The fifth is in its handler only once the store after the fourth is done.
        expect(await store.checkpoints.read(subscriptionId)).toEqual(positions[3]);
        await subscription.stop();
        expect(await store.checkpoints.read(subscriptionId)).toEqual(positions[4]);
      });

      it('stores the checkpoint a cadence after an event however few follow it', async () => {
        const subscriptionId = `contract-${randomUUID()}`;
        const streamId = newStreamId();
        await store.checkpoints.store(subscriptionId, undefined, await currentPosition());
        await store.appendToStream(streamId, [newEvent('Lone')]);
        const [lone] = await store.readStream(streamId);
        subscriptions.push(runCheckpointedSubscription(store, { subscriptionId, cadence: { events: 1_000, ms: 10 }, onEvent: async () => undefined }));

        const stored = await eventually('the checkpoint to reach the lone event', async () => {
          const checkpoint = await store.checkpoints.read(subscriptionId);
          return checkpoint && lone && comparePositions(checkpoint, lone.position) >= 0 && checkpoint;
        });
        expect(stored).toBeDefined();
      });

      it('restarts from the stored checkpoint when it finds at its next store that another instance moved it', async () => {
        const subscriptionId = `contract-${randomUUID()}`;
        const streamId = newStreamId();
        const start = await currentPosition();
        await store.checkpoints.store(subscriptionId, undefined, start);
        const events = [newEvent('Handled'), newEvent('HandledTwice'), newEvent('HandledAgainAfterRestart')];
        await store.appendToStream(streamId, events);
        const [, second] = await store.readStream(streamId);
        if (!second) throw new Error('three events were appended');
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => (release = resolve));
        const handled: string[] = [];

        subscriptions.push(
          runCheckpointedSubscription(store, {
            subscriptionId,
            cadence: { events: 3, ms: 600_000 },
            onEvent: async (event) => {
              if (event.streamId !== streamId) return;
              handled.push(event.id);
              if (handled.length === 1) await released;
            },
          }),
        );
        await waitForCount('the first event to be in the handler', handled, 1);
        expect(await store.checkpoints.store(subscriptionId, start, second.position)).toBe(true);
        release();
        await waitForCount('handled events', handled, 4);

        expect(handled).toEqual([events[0]?.id, events[1]?.id, events[2]?.id, events[2]?.id]);
        expect(await store.checkpoints.read(subscriptionId)).toEqual(second.position);
      });
    });
  });
}

function newStreamId(prefix = 'contract'): string {
  return `${prefix}-${randomUUID()}`;
}

function newEvent(type: string, data: EventToAppend['data'] = {}): EventToAppend {
  return { id: randomUUID(), type, data };
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * An event of exactly `bytes` as EventStoreDB weighs an append: `{"value":"…"}` is 12 bytes of
 * JSON around the value, the type 'Weighed' counts 2 bytes a character (14), metadata `{}` is 2.
 * The value is mostly '€', 3 bytes in UTF-8 but one UTF-16 unit, so counting characters would
 * come out far too low. `head`, if given, is counted as JSON escapes it: 6 bytes a character.
 */
function eventWeighing(bytes: number, head = ''): EventToAppend {
  const valueBytes = bytes - 12 - 14 - 2 - 6 * head.length;
  const euros = Math.floor(valueBytes / 3);
  return { id: randomUUID(), type: 'Weighed', data: { value: head + '€'.repeat(euros) + 'a'.repeat(valueBytes - 3 * euros) }, metadata: {} };
}

function summaryOf(event: EventToAppend) {
  return { id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} };
}

function summary(event: RecordedEvent) {
  return { ...summaryOf(event), streamId: event.streamId, streamRevision: event.streamRevision };
}

/** Names the offending neighbours, so that a rare ordering failure says what happened. */
function expectStrictlyIncreasing(events: readonly Pick<RecordedEvent, 'id' | 'streamId' | 'position'>[]): void {
  const describe = (event: Pick<RecordedEvent, 'id' | 'streamId' | 'position'>) => `${event.position.commit}/${event.position.prepare} ${event.streamId} ${event.id}`;
  const violations = events.flatMap((event, index) => {
    const previous = events[index - 1];
    return previous && comparePositions(previous.position, event.position) >= 0 ? [`#${index}: ${describe(previous)} then ${describe(event)}`] : [];
  });
  expect(violations).toEqual([]);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
