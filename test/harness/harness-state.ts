import type { Stoppable } from '../../tools/stack/stack';

/**
 * What global setup started, handed to global teardown. Jest runs both in the same process, so a
 * module-level global suffices; no file is needed.
 */
export interface HarnessState {
  started?: Stoppable[];
}

const key = Symbol.for('import-jobs.harness-state');
type WithState = typeof globalThis & { [key]?: HarnessState };

export function saveHarnessState(state: HarnessState): void {
  (globalThis as WithState)[key] = { ...(globalThis as WithState)[key], ...state };
}

export function loadHarnessState(): HarnessState {
  return (globalThis as WithState)[key] ?? {};
}
