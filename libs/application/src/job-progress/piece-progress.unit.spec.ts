import type { MessageProducer, OutgoingMessage } from '@import-jobs/messaging';
import type { Log } from '../shared/log';
import { pieceProgressCodec, pieceProgressReporter, type PieceProgress } from './piece-progress';

const report: PieceProgress = {
  type: 'PieceProgress',
  version: 1,
  jobId: 'job-1',
  tenantId: 'acme',
  pieceId: 'piece-1',
  rowsRead: 40,
  rowsFailed: 2,
  bytesRead: 4_000,
  at: '2026-03-01T10:00:01.000Z',
};

describe('a piece-progress message', () => {
  const encoded = (overrides: Record<string, unknown>) => JSON.stringify({ ...report, ...overrides });

  it('decodes when it is what a worker sends', () => {
    expect(pieceProgressCodec.decode(pieceProgressCodec.encode(report))).toEqual({ ok: true, message: report });
  });

  it.each([
    ['negative rows', { rowsRead: -1 }],
    ['more failed rows than rows read', { rowsRead: 3, rowsFailed: 4 }],
    ['more rows than its bytes could inflate to', { rowsRead: 1_033_000, bytesRead: 1_000 }],
    ['a fraction of a byte', { bytesRead: 1.5 }],
    ['a count past what a number holds exactly', { rowsRead: 2 ** 53 }],
    ['an id longer than any of the service', { jobId: 'j'.repeat(201) }],
    ['no tenant', { tenantId: '' }],
    ['a time that is not one', { at: 'soon' }],
  ])('is refused with %s', (_, overrides) => {
    expect(pieceProgressCodec.decode(encoded(overrides))).toMatchObject({ ok: false, reason: 'invalid-shape' });
  });
});

describe("a piece's progress reporter", () => {
  /** A broker that holds each send until the test settles it. */
  function heldProducer() {
    const sends: Array<{ messages: readonly OutgoingMessage[]; settle: (error?: Error) => void }> = [];
    const producer: MessageProducer = {
      send: (messages) => new Promise<void>((resolve, reject) => sends.push({ messages, settle: (error) => (error ? reject(error) : resolve()) })),
    };
    return { producer, sends };
  }
  const debugged: string[] = [];
  const log: Log = { debug: (message) => debugged.push(message), info: () => undefined, warn: () => undefined, error: () => undefined };
  const piece = { jobId: 'job-1', tenantId: 'acme', pieceId: 'piece-1' };
  const figures = (rowsRead: number) => ({ rowsRead, rowsFailed: 0, bytesRead: rowsRead * 10 });
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => debugged.splice(0));

  it('sends the figures keyed by job, without waiting for the broker, and drops figures taken while a send is on its way', async () => {
    const { producer, sends } = heldProducer();
    const reportProgress = pieceProgressReporter({ producer, topic: 'p.piece-progress', log, now: () => new Date(report.at) }, piece);

    reportProgress(figures(10));
    reportProgress(figures(20));
    expect(sends).toHaveLength(1);
    const [message] = sends[0]!.messages;
    expect(message).toMatchObject({ topic: 'p.piece-progress', key: 'job-1' });
    expect(pieceProgressCodec.decode(message!.value)).toEqual({ ok: true, message: { ...report, rowsRead: 10, rowsFailed: 0, bytesRead: 100 } });

    sends[0]!.settle();
    await settled();
    reportProgress(figures(30));
    expect(sends).toHaveLength(2);
  });

  it('costs a failed send only its own figures, logged at debug', async () => {
    const { producer, sends } = heldProducer();
    const reportProgress = pieceProgressReporter({ producer, topic: 'p.piece-progress', log }, piece);

    reportProgress(figures(10));
    sends[0]!.settle(new Error('broker away'));
    await settled();
    reportProgress(figures(20));

    expect(debugged).toEqual(['The progress of piece piece-1 of job job-1 was not sent']);
    expect(sends).toHaveLength(2);
  });
});
