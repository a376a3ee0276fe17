import type { Decider } from '@import-jobs/domain';
import {
  EventIdConflictError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
  type JsonObject,
  type RecordedEvent,
} from '@import-jobs/event-store';
import { uuidV5 } from '../import-job/uuid-v5';

/**
 * What a stored event is to an aggregate: events it folds (an older version may stand for several
 * current ones), an event of its kind that cannot be read, or an event of another kind.
 */
export type StoredEventReading<Event> =
  | { readonly kind: 'event'; readonly events: readonly Event[] }
  | { readonly kind: 'unreadable'; readonly type: string; readonly problem: string }
  | { readonly kind: 'foreign' };

/** How one kind of aggregate lives in the store: its stream, how stored events read back, their ids. */
export interface StreamModel<Command, Event, State> {
  readonly decider: Decider<Command, Event, State>;
  readonly streamId: (id: string) => string;
  /** The same reading every projection of the aggregate makes, so that both fold one state. */
  readonly parse: (stored: RecordedEvent) => StoredEventReading<Event>;
  /** The event's logical identity within its stream; the stored id is a UUIDv5 of stream and identity. */
  readonly identity: (event: Event) => string;
}

export interface Loaded<Event, State> {
  readonly state: State;
  readonly events: readonly Event[];
  readonly revision: bigint | undefined;
  /** Events of the stream that could not be read: left out of `state`, and no command is decided while any is there. */
  readonly unreadable: readonly UnreadableEvent[];
}

export interface UnreadableEvent {
  readonly revision: bigint;
  readonly type: string;
  readonly problem: string;
}

export interface Outcome<Event, State> {
  /** The state after the command. */
  readonly state: State;
  /** What the command appended; empty when it changed nothing (a redelivery, a repeated request). */
  readonly appended: readonly Event[];
  /** Where the append landed, for callers that wait until a projection has caught up. */
  readonly position: GlobalPosition | undefined;
}

/** Raised when racing writers kept changing the stream under every attempt. */
export class CommandContentionError extends Error {
  readonly code = 'COMMAND_CONTENTION';
  readonly retriable = true;

  constructor(streamId: string, attempts: number) {
    super(`stream ${streamId} kept changing during ${attempts} attempts to apply a command`);
  }
}

/**
 * Raised instead of deciding on a stream that holds an event the aggregate cannot read. The state
 * is folded without that event, as every projection folds it, so readers of either side agree on
 * what the job is; but deciding on it could append what the unread event contradicts (a second
 * result for a piece it settled, a second end to the job), and its stored id may be the one the
 * decision would take, which would look like contention on every attempt. Not retriable: reading it
 * again reads the same bytes. The fix is in the stream (an upcaster, or a corrected event).
 */
export class UnreadableStreamError extends Error {
  readonly code = 'UNREADABLE_STREAM';
  readonly retriable = false;

  constructor(
    readonly streamId: string,
    readonly unreadable: readonly UnreadableEvent[],
  ) {
    const [first] = unreadable;
    super(`stream ${streamId} holds ${unreadable.length} event(s) that cannot be read, the first at revision ${first?.revision} (${first?.type}): ${first?.problem}`);
  }
}

/** The stored form of an event: the same logical event (its identity in its stream) always gets the same id. */
function toEventToAppend(streamId: string, identity: string, event: { readonly type: string; readonly data: object }): EventToAppend {
  // Domain events are plain JSON by construction (strings, numbers, arrays, records).
  return { id: uuidV5(`${streamId}/${identity}`), type: event.type, data: event.data as unknown as JsonObject };
}

/**
 * Load → decide → append with the expected revision. A conflict means another process wrote
 * first (a concurrent piece result, a duplicate delivery): decide again on the newer state, where a
 * duplicate decides nothing. Domain errors pass through to the caller unchanged.
 */
export class StreamCommands<Command, Event extends { readonly type: string; readonly data: object }, State> {
  /** The streams loaded last, as they were loaded: least recently loaded first. */
  private readonly loaded = new Map<string, Loaded<Event, State>>();

  constructor(
    private readonly store: EventStore,
    private readonly model: StreamModel<Command, Event, State>,
    private readonly maxAttempts = 10,
    private readonly maxStreamsKept = 64,
  ) {}

  /**
   * A stream is loaded for every command and, for a job, for every piece a worker admits: loading
   * it whole each time would make a job of n pieces cost n² events read and folded. Stored events
   * never change and a stream's revisions are dense, so what was loaded before is a prefix of the
   * stream: only the events after it are read and folded onto the state kept (states are
   * immutable, so a kept one is never changed by a later fold). Every load still asks the store
   * for what follows, so another process's appends are seen as soon as the store shows them.
   */
  async load(id: string): Promise<Loaded<Event, State>> {
    const streamId = this.model.streamId(id);
    const known = this.loaded.get(streamId);
    const tail = await this.store.readStream(streamId, known?.revision === undefined ? {} : { fromRevision: known.revision + 1n });
    if (known !== undefined && tail.length === 0) return known;
    const added: Event[] = [];
    const unreadable: UnreadableEvent[] = [];
    for (const recorded of tail) {
      const reading = this.model.parse(recorded);
      if (reading.kind === 'event') added.push(...reading.events);
      else if (reading.kind === 'unreadable') unreadable.push({ revision: recorded.streamRevision, type: reading.type, problem: reading.problem });
    }
    const loaded: Loaded<Event, State> = {
      state: added.reduce(this.model.decider.evolve, known?.state ?? this.model.decider.initialState()),
      events: known === undefined ? added : [...known.events, ...added],
      revision: tail.at(-1)?.streamRevision ?? known?.revision,
      unreadable: known === undefined ? unreadable : [...known.unreadable, ...unreadable],
    };
    if (loaded.revision !== undefined) this.remember(streamId, loaded);
    return loaded;
  }

  private remember(streamId: string, loaded: Loaded<Event, State>): void {
    // Two loads of one stream may finish in either order: the one that reached further is kept.
    const kept = this.loaded.get(streamId)?.revision;
    if (kept !== undefined && loaded.revision !== undefined && kept > loaded.revision) return;
    this.loaded.delete(streamId);
    this.loaded.set(streamId, loaded);
    if (this.loaded.size > this.maxStreamsKept) this.loaded.delete(this.loaded.keys().next().value!);
  }

  /** `check` sees the loaded state before deciding, and throws to refuse (a tenant check). */
  async execute(id: string, command: Command, check: (state: State) => void = () => undefined): Promise<Outcome<Event, State>> {
    const streamId = this.model.streamId(id);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const { state, revision, unreadable } = await this.load(id);
      check(state);
      if (unreadable.length > 0) throw new UnreadableStreamError(streamId, unreadable);
      const appended = this.model.decider.decide(command, state);
      if (appended.length === 0) return { state, appended, position: undefined };
      try {
        const result = await this.store.appendToStream(streamId, appended.map((event) => toEventToAppend(streamId, this.model.identity(event), event)), {
          expectedRevision: revision ?? 'no_stream',
        });
        return { state: appended.reduce(this.model.decider.evolve, state), appended, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError || error instanceof EventIdConflictError)) throw error;
      }
    }
    throw new CommandContentionError(streamId, this.maxAttempts);
  }
}
