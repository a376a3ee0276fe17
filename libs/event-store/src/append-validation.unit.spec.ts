import { validateAppend } from './append-validation';
import { InvalidAppendError } from './errors';

const id = '6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b';
const otherId = '0b5a4f3e-2d1c-4b9a-8f7e-6d5c4b3a2f1e';

describe('an append', () => {
  it('passes with distinct lower-case UUIDs and a non-negative expected revision', () => {
    expect(() => validateAppend('s', [{ id, type: 'A', data: {} }, { id: otherId, type: 'B', data: {} }], 0n)).not.toThrow();
  });

  it.each([
    ['no events', 's', [], 'any'],
    ['an empty stream id', '', [{ id, type: 'A', data: {} }], 'any'],
    ['an id that is no UUID', 's', [{ id: 'job-1', type: 'A', data: {} }], 'any'],
    ['an upper-case id, which the stores would give back in lower case', 's', [{ id: id.toUpperCase(), type: 'A', data: {} }], 'any'],
    ['the same id twice', 's', [{ id, type: 'A', data: {} }, { id, type: 'B', data: {} }], 'any'],
    ['an event without a type', 's', [{ id, type: '', data: {} }], 'any'],
    ['a negative expected revision', 's', [{ id, type: 'A', data: {} }], -1n],
  ] as const)('is rejected with %s', (_, streamId, events, expected) => {
    expect(() => validateAppend(streamId, events, expected)).toThrow(InvalidAppendError);
  });
});
