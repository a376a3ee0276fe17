import type { JobProgress } from '@import-jobs/read-model';
import { InFlightPieces } from './in-flight-pieces';
import type { PieceProgress } from './piece-progress';

const versionAt = '2026-03-01T10:00:00.000Z';
const secondsAfterVersion = (seconds: number) => new Date(Date.parse(versionAt) + seconds * 1000).toISOString();

function version(overrides: Partial<JobProgress> = {}): JobProgress {
  return {
    jobId: 'job-1',
    version: 4,
    status: 'Processing',
    pieces: { total: 3, completed: 1, failed: 0, cancelled: 0 },
    rows: { processed: 100, failed: 5, imported: 95 },
    bytes: { total: 30_000, processed: 10_000 },
    files: 1,
    failureReason: null,
    failureReport: null,
    createdAt: versionAt,
    startedAt: versionAt,
    lastModifiedAt: versionAt,
    completedAt: null,
    ...overrides,
  } as JobProgress;
}

function news(overrides: Partial<PieceProgress> = {}): PieceProgress {
  return {
    type: 'PieceProgress',
    version: 1,
    jobId: 'job-1',
    tenantId: 'acme',
    pieceId: 'piece-2',
    rowsRead: 40,
    rowsFailed: 2,
    bytesRead: 4_000,
    at: secondsAfterVersion(1),
    ...overrides,
  };
}

describe('the figures of pieces in hand', () => {
  let clock: number;
  const pieces = (limits = { maxPieces: 100, forgetAfterMs: 60_000 }) => new InFlightPieces(limits, () => clock);

  beforeEach(() => (clock = Date.parse(versionAt) + 2_000));

  it("add the rows and bytes each piece read since the version to the version's own", () => {
    const inFlight = pieces();
    inFlight.record(news());
    inFlight.record(news({ pieceId: 'piece-3', rowsRead: 10, rowsFailed: 0, bytesRead: 1_000 }));

    expect(inFlight.onTopOf('acme', version())).toEqual({
      jobId: 'job-1',
      version: 4,
      piecesInHand: 2,
      rows: { read: 150, failed: 7 },
      bytes: { read: 15_000, total: 30_000 },
    });
  });

  it('keep only the newest figures of a piece, however late older ones arrive', () => {
    const inFlight = pieces();
    expect(inFlight.record(news({ rowsRead: 60, at: secondsAfterVersion(2) }))).toBe(true);
    expect(inFlight.record(news({ rowsRead: 20, at: secondsAfterVersion(1) }))).toBe(false);

    expect(inFlight.onTopOf('acme', version())?.rows.read).toBe(160);
  });

  it('never add figures taken before the version, which may count them already', () => {
    const inFlight = pieces();
    inFlight.record(news({ at: versionAt }));
    inFlight.record(news({ pieceId: 'piece-3', at: secondsAfterVersion(-1) }));

    expect(inFlight.onTopOf('acme', version())).toBeUndefined();
  });

  it('forget figures taken before a version once that version is committed', () => {
    const inFlight = pieces();
    inFlight.record(news({ at: secondsAfterVersion(1) }));
    inFlight.record(news({ pieceId: 'piece-3', at: secondsAfterVersion(3) }));

    inFlight.committed(version({ version: 5, lastModifiedAt: secondsAfterVersion(2) }));

    expect(inFlight.size).toBe(1);
    expect(inFlight.onTopOf('acme', version())?.piecesInHand).toBe(1);
  });

  it("never add another tenant's word on the job", () => {
    const inFlight = pieces();
    inFlight.record(news({ tenantId: 'globex', rowsRead: 1_000_000 }));

    expect(inFlight.onTopOf('acme', version())).toBeUndefined();
    expect(inFlight.onTopOf('globex', version({ jobId: 'job-2' }))).toBeUndefined();
  });

  it('do not believe a piece that read more bytes than the job has left, nor a clock far ahead', () => {
    const inFlight = pieces();
    inFlight.record(news({ bytesRead: 20_001 }));

    expect(inFlight.onTopOf('acme', version())).toBeUndefined();
    expect(inFlight.record(news({ pieceId: 'piece-3', at: secondsAfterVersion(3_600) }))).toBe(false);
  });

  it('forget a piece silent for longer than the limit', () => {
    const inFlight = pieces({ maxPieces: 100, forgetAfterMs: 10_000 });
    inFlight.record(news());
    clock += 10_001;

    expect(inFlight.onTopOf('acme', version())).toBeUndefined();
    inFlight.record(news({ pieceId: 'piece-3', at: new Date(clock).toISOString() }));
    expect(inFlight.size).toBe(1);
  });

  it('hold at most the limit of pieces, dropping the one heard from longest ago', () => {
    const inFlight = pieces({ maxPieces: 3, forgetAfterMs: 60_000 });
    for (const pieceId of ['a', 'b', 'c']) inFlight.record(news({ pieceId }));
    inFlight.record(news({ pieceId: 'a', at: secondsAfterVersion(2) }));
    inFlight.record(news({ pieceId: 'd' }));

    expect(inFlight.size).toBe(3);
    inFlight.committed(version({ lastModifiedAt: secondsAfterVersion(1) }));
    // Of the three kept, only "a" was taken after that second version; "b" went for the cap.
    expect(inFlight.size).toBe(1);
  });
});
