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
