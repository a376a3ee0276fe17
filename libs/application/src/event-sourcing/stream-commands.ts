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

/** How one kind of aggregate lives in the store: its stream, how stored events read back, their ids. */
export interface StreamModel<Command, Event, State> {
  readonly decider: Decider<Command, Event, State>;
  readonly streamId: (id: string) => string;
  readonly parse: (stored: RecordedEvent) => Event | undefined;
  /** The event's logical identity within its stream; the stored id is a UUIDv5 of stream and identity. */
  readonly identity: (event: Event) => string;
}

export interface Loaded<Event, State> {
  readonly state: State;
  readonly events: readonly Event[];
  readonly revision: bigint | undefined;
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

export function storedEventId(streamId: string, identity: string): string {
  return uuidV5(`${streamId}/${identity}`);
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
    const added = tail.map(this.model.parse).filter((event): event is Event => event !== undefined);
    const loaded: Loaded<Event, State> = {
      state: added.reduce(this.model.decider.evolve, known?.state ?? this.model.decider.initialState()),
      events: known === undefined ? added : [...known.events, ...added],
      revision: tail.at(-1)?.streamRevision ?? known?.revision,
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
      const { state, revision } = await this.load(id);
      check(state);
      const appended = this.model.decider.decide(command, state);
      if (appended.length === 0) return { state, appended, position: undefined };
      try {
        const result = await this.store.appendToStream(streamId, appended.map((event) => this.toAppend(streamId, event)), {
          expectedRevision: revision ?? 'no_stream',
        });
        return { state: appended.reduce(this.model.decider.evolve, state), appended, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError || error instanceof EventIdConflictError)) throw error;
      }
    }
    throw new CommandContentionError(streamId, this.maxAttempts);
  }

  private toAppend(streamId: string, event: Event): EventToAppend {
    // Domain events are plain JSON by construction (strings, numbers, arrays, records).
    return { id: storedEventId(streamId, this.model.identity(event)), type: event.type, data: event.data as unknown as JsonObject };
  }
}
