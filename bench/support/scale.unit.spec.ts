import { scaleVerdicts, type ScalePoint, type ScaleResults } from './scale';

describe('the scale section’s verdicts', () => {
  it('judges only what was measured', () => {
    const smoke: ScaleResults = { points: [point(10, 4), point(100, 6)], gzip: [], skipped: [] };

    expect(scaleVerdicts(smoke).map(({ verdict }) => verdict)).toEqual(['not measured', 'met', 'met', 'not measured', 'not measured']);
  });

  it('misses a target the figures miss', () => {
    const full: ScaleResults = {
      points: [point(100, 10), point(10_000, 21, { largestMessageBytes: 300 * 1024 })],
      gzip: [
        { workers: 1, bytes: 1e9, rows: 1, seconds: 100 },
        { workers: 2, bytes: 1e9, rows: 1, seconds: 70 },
      ],
      fairness: { largePieces: 2000, largeSeconds: 90, smallSeconds: 9.5 },
      skipped: [],
    };

    expect(scaleVerdicts(full).map(({ measured, verdict }) => [measured, verdict])).toEqual([
      ['2.10×', 'MISSED'],
      ['1.0 KB', 'met'],
      ['300.0 KB', 'MISSED'],
      ['9.50 s', 'met'],
      ['1.43×', 'MISSED'],
    ]);
  });
});

function point(pieces: number, seconds: number, overrides: Partial<ScalePoint> = {}): ScalePoint {
  return { pieces, planned: pieces, rows: 20_000, seconds, events: pieces + 6, largestEventBytes: 1024, largestMessageBytes: 2048, peakRssBytes: { api: 1e8 }, ...overrides };
}
