/**
 * The decider pattern: state is rebuilt by folding events with `evolve`, and a command is answered
 * by `decide` with the events it causes (none when it changes nothing). Both are pure, so a stream
 * replayed any number of times gives the same state.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function foldEvents<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState());
}

/** Exhaustiveness check for discriminated unions: a new variant that is not handled fails to compile. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected variant: ${JSON.stringify(value)}`);
}

/**
 * A command as every aggregate takes it. Time is passed in, never read: `metadata.now` (ISO-8601)
 * becomes the events' `occurredAt`, so deciding is repeatable in tests and on replay.
 */
export type Command<Type extends string, Data> = {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: { readonly now: string };
};

/** An event as every aggregate records it; its type string, with its version, is a stored contract. */
export type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };
