import { foldEvents, type Decider } from '../decider';
import type { DomainError } from '../errors';

type ErrorClass<E extends DomainError> = abstract new (...args: never[]) => E;

/**
 * given(events).when(command).then(events) for deciders: the state is only ever built from events,
 * as in production, so a test cannot reach a state the stream could not hold.
 */
export function deciderSpecification<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command) {
          const decideNow = () => decider.decide(command, foldEvents(decider, events));
          return {
            then(expected: readonly Event[]): void {
              expect(decideNow()).toEqual(expected);
            },
            thenNothingHappened(): void {
              expect(decideNow()).toEqual([]);
            },
            thenThrows<E extends DomainError>(errorClass: ErrorClass<E>, expected?: Partial<E>): void {
              let thrown: unknown;
              try {
                decideNow();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              if (expected) expect(thrown).toMatchObject(expected);
            },
          };
        },
      };
    },
  };
}
