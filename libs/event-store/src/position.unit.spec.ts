import { comparePositions, deserializePosition, serializePosition } from './position';

describe('positions', () => {
  it('order by commit, then by prepare', () => {
    expect(comparePositions({ commit: 1n, prepare: 9n }, { commit: 2n, prepare: 0n })).toBeLessThan(0);
    expect(comparePositions({ commit: 2n, prepare: 1n }, { commit: 2n, prepare: 0n })).toBeGreaterThan(0);
    expect(comparePositions({ commit: 2n, prepare: 1n }, { commit: 2n, prepare: 1n })).toBe(0);
  });

  it('survive a JSON round trip without losing digits beyond 2^53', () => {
    const position = { commit: 2n ** 63n - 1n, prepare: 9_007_199_254_740_993n };

    const json = JSON.stringify(serializePosition(position));

    expect(deserializePosition(JSON.parse(json))).toEqual(position);
  });

  it.each([null, 'x', { commit: 1, prepare: 2 }, { commit: '1' }, { commit: '-1', prepare: '0' }, { commit: '1.5', prepare: '0' }, { commit: '01', prepare: '0' }])(
    'rejects %j as a serialized position',
    (value) => {
      expect(() => deserializePosition(value)).toThrow(TypeError);
    },
  );
});
