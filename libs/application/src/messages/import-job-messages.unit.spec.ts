import { pieceResultCodec, pieceWorkItemCodec, type PieceResult, type PieceWorkItem } from './import-job-messages';

const workItem: PieceWorkItem = {
  type: 'PieceWorkItem',
  version: 1,
  jobId: 'job-1',
  tenantId: 'tenant-a',
  format: 'CSV',
  keyField: 'id',
  piece: {
    pieceId: 'piece-1',
    object: { bucket: 'imports', key: 'customers.csv', etag: '"abc"', size: 10 },
    range: { start: 4, end: 10 },
    compression: 'none',
    firstLine: 2,
    csvHeader: ['id'],
    destinationTopic: 'customers',
  },
};

describe('piece work items', () => {
  it('round-trip through their codec', () => {
    expect(pieceWorkItemCodec.decode(Buffer.from(pieceWorkItemCodec.encode(workItem)))).toEqual({ ok: true, message: workItem });
  });

  it.each([
    ['a piece without a byte range', { ...workItem, piece: { ...workItem.piece, range: undefined } }],
    ['an unknown format', { ...workItem, format: 'XML' }],
    ['no job id', { ...workItem, jobId: '' }],
  ])('are refused with %s', (_case, candidate) => {
    expect(pieceWorkItemCodec.decode(JSON.stringify(candidate))).toMatchObject({ ok: false, reason: 'invalid-shape' });
  });
});

describe('piece results', () => {
  it.each<PieceResult['outcome']>([
    { kind: 'completed', rowsProcessed: 3, rowsFailed: 1, bytesProcessed: 99, firstFailures: [{ file: 's3://b/k', line: 2, reason: 'bad' }] },
    { kind: 'failed', reason: { code: 'SOURCE_CHANGED', message: 'the object changed' } },
    { kind: 'cancelled' },
  ])('round-trip every outcome (%o)', (outcome) => {
    const result: PieceResult = { type: 'PieceResult', version: 1, jobId: 'job-1', pieceId: 'piece-1', outcome, finishedAt: '2026-11-23T12:00:00.000Z' };
    expect(pieceResultCodec.decode(pieceResultCodec.encode(result))).toEqual({ ok: true, message: result });
  });

  it('are refused when the outcome is of no known kind', () => {
    const candidate = { type: 'PieceResult', version: 1, jobId: 'j', pieceId: 'p', outcome: { kind: 'maybe' }, finishedAt: 'now' };
    expect(pieceResultCodec.decode(JSON.stringify(candidate))).toMatchObject({ ok: false, reason: 'invalid-shape' });
  });
});
