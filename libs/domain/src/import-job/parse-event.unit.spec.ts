import type { ImportDefinition } from './definition';
import type { PieceSpec, StoredImportJobEvent } from './events';
import { importJobEventTypes, importJobStreamId, parseImportJobEvent, parseJobStreamEvent } from './parse-event';

const jobId = 'job-1';
const at = '2026-03-01T10:00:00.000Z';
const definition: ImportDefinition = {
  jobType: 'CUSTOMERS',
  format: 'CSV',
  sources: [{ url: 's3://imports/customers.csv', type: 'object' }, { url: 's3://imports/more/', type: 'prefix', destination: 'more.imported' }],
  destinationTopic: 'customers.imported',
  keyField: 'id',
  schema: { type: 'object', required: ['id'] },
  metadata: { owner: 'crm-team' },
  failurePolicy: { maxFailedRowRatio: 0.1 },
  exclusiveDestination: true,
};
const piece: PieceSpec = {
  pieceId: 'piece-1',
  object: { bucket: 'imports', key: 'customers.csv', etag: '"etag-1"', versionId: 'v7', size: 2000 },
  range: { start: 0, end: 1000 },
  compression: 'none',
  firstLine: 2,
  csvHeader: ['id', 'name'],
  destinationTopic: 'customers.imported',
  origin: { bucket: 'imports', key: 'customers.csv.gz', etag: '"etag-gz"', versionId: 'v3' },
};
const secondPiece: PieceSpec = { pieceId: 'piece-2', object: { bucket: 'imports', key: 'customers.csv', etag: '"etag-1"', size: 2000 }, range: { start: 1000, end: 2000 }, compression: 'gzip', firstLine: 12, destinationTopic: 'customers.imported' };
const report = { location: 's3://reports/job-1/failure-report.csv', rows: 3 };

/** One event of each type as `decide` writes it (and the whole plan as older releases wrote it), every optional field present. */
const wellFormed: readonly StoredImportJobEvent[] = [
  { type: 'ImportRequested.v1', data: { jobId, tenantId: 'tenant-a', clientToken: 'token-1', definition, occurredAt: at } },
  { type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt: at } },
  { type: 'ImportPlanned.v1', data: { jobId, pieces: [piece, secondPiece], files: 1, totalBytes: 2000, occurredAt: at } },
  { type: 'PiecesPlanned.v1', data: { jobId, chunk: 3, pieces: [piece, secondPiece], occurredAt: at } },
  { type: 'ImportPlanned.v2', data: { jobId, pieces: 2, files: 1, totalBytes: 2000, occurredAt: at } },
  {
    type: 'PieceCompleted.v1',
    data: {
      jobId,
      pieceId: 'piece-1',
      rowsProcessed: 10,
      rowsFailed: 1,
      bytesProcessed: 1000,
      firstFailures: [{ file: 's3://imports/customers.csv', line: 4, reason: 'id: must be a number', raw: 'x,Ann' }],
      failureListLocation: 's3://reports/job-1/pieces/piece-1.csv',
      occurredAt: at,
    },
  },
  { type: 'PieceFailed.v1', data: { jobId, pieceId: 'piece-1', reason: { code: 'SOURCE_CHANGED', message: 'the object changed' }, occurredAt: at } },
  { type: 'PieceCancelled.v1', data: { jobId, pieceId: 'piece-1', occurredAt: at } },
  { type: 'ImportCompleting.v1', data: { jobId, occurredAt: at } },
  { type: 'ImportFailing.v1', data: { jobId, reason: { code: 'PIECES_FAILED', message: '1 of 2 pieces failed' }, occurredAt: at } },
  { type: 'ImportCancelling.v1', data: { jobId, reason: 'asked to', occurredAt: at } },
  { type: 'ImportCompleted.v1', data: { jobId, failureReport: report, occurredAt: at } },
  { type: 'JobFailed.v1', data: { jobId, reason: { code: 'PIECES_FAILED', message: '1 of 2 pieces failed' }, failureReport: report, occurredAt: at } },
  { type: 'ImportCancelled.v1', data: { jobId, occurredAt: at } },
];

describe('reading a stored job event', () => {
  it('has a well-formed example of every type this release reads', () => {
    expect(wellFormed.map((event) => event.type).sort()).toEqual([...importJobEventTypes].sort());
  });

  describe('given an event as it was written', () => {
    it.each(wellFormed.filter((event) => event.type !== 'ImportPlanned.v1').map((event) => [event.type, event] as const))('reads %s back as it is, and as the one current event it is', (_type, event) => {
      expect(parseImportJobEvent(event.type, event.data)).toEqual({ kind: 'event', stored: event, events: [event] });
    });

    it.each([
      ['without its optional fields', { type: 'ImportCancelling.v1', data: { jobId, occurredAt: at } }],
      ['without its optional fields', { type: 'ImportCompleted.v1', data: { jobId, occurredAt: at } }],
      ['with a definition that names only what it must', { type: 'ImportRequested.v1', data: { jobId, tenantId: 't', clientToken: 'c', definition: { jobType: 'X', format: 'JSON', sources: [], destinationTopic: 't', metadata: {}, failurePolicy: { maxFailedRowRatio: 0 } }, occurredAt: at } }],
    ] as const)('reads an event %s', (_case, event) => {
      expect(parseImportJobEvent(event.type, event.data)).toMatchObject({ kind: 'event', stored: event });
    });
  });

  describe('given a plan recorded whole (ImportPlanned.v1)', () => {
    it('reads it as its one chunk followed by its totals', () => {
      const whole = wellFormed.find((event) => event.type === 'ImportPlanned.v1')!;

      expect(parseImportJobEvent(whole.type, whole.data)).toEqual({
        kind: 'event',
        stored: whole,
        events: [
          { type: 'PiecesPlanned.v1', data: { jobId, chunk: 0, pieces: [piece, secondPiece], occurredAt: at } },
          { type: 'ImportPlanned.v2', data: { jobId, pieces: 2, files: 1, totalBytes: 2000, occurredAt: at } },
        ],
      });
    });

    it('reads a plan of no pieces as an empty chunk and totals of none', () => {
      const parsed = parseImportJobEvent('ImportPlanned.v1', { jobId, pieces: [], files: 0, totalBytes: 0, occurredAt: at });
      expect(parsed.kind === 'event' && parsed.events.map((event) => [event.type, event.data.jobId])).toEqual([
        ['PiecesPlanned.v1', jobId],
        ['ImportPlanned.v2', jobId],
      ]);
    });
  });

  describe('given fields the version does not define', () => {
    it('keeps only the fields of the version, at every depth', () => {
      const data = { jobId, pieceId: 'piece-1', occurredAt: at, injected: 'x'.repeat(10_000), reason: { code: 'SOURCE_CHANGED', message: 'm', extra: 1 } };
      expect(parseImportJobEvent('PieceFailed.v1', data)).toEqual({
        kind: 'event',
        stored: { type: 'PieceFailed.v1', data: { jobId, pieceId: 'piece-1', reason: { code: 'SOURCE_CHANGED', message: 'm' }, occurredAt: at } },
        events: [{ type: 'PieceFailed.v1', data: { jobId, pieceId: 'piece-1', reason: { code: 'SOURCE_CHANGED', message: 'm' }, occurredAt: at } }],
      });
    });
  });

  describe('given a time', () => {
    it.each([
      ['2026-03-01T11:00:00+01:00', '2026-03-01T10:00:00.000Z'],
      ['2026-03-01T10:00Z', '2026-03-01T10:00:00.000Z'],
      ['2026-03-01T10:00:00.123456Z', '2026-03-01T10:00:00.123Z'],
    ])('writes %s in one form, %s', (occurredAt, canonical) => {
      expect(parseImportJobEvent('ImportCancelled.v1', { jobId, occurredAt })).toMatchObject({ kind: 'event', stored: { data: { occurredAt: canonical } } });
    });
  });

  describe('given a type', () => {
    it('tells an event of another kind sharing the store from a job event', () => {
      expect(parseImportJobEvent('PieceClaimed.v1', { jobId })).toEqual({ kind: 'foreign' });
      expect(parseImportJobEvent('MarkerWritten', {})).toEqual({ kind: 'foreign' });
    });

    it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('takes a type named like a property of every object, %s, for one of another kind', (type) => {
      expect(parseImportJobEvent(type, { jobId })).toEqual({ kind: 'foreign' });
    });

    it('calls a version of a job event it does not know unreadable: a newer release wrote it, and the job is not the job without it', () => {
      expect(parseImportJobEvent('PieceCompleted.v2', { jobId })).toEqual({ kind: 'unreadable', type: 'PieceCompleted.v2', problem: expect.stringContaining('PieceCompleted.v2') });
    });
  });

  // Each row spoils one field of the well-formed event of its type; the problem names the field.
  describe.each<[StoredImportJobEvent['type'], string, unknown, string]>([
    ['ImportRequested.v1', 'the data', null, 'data'],
    ['ImportRequested.v1', 'the data', ['a list'], 'data'],
    ['ImportRequested.v1', 'the data', 'a string', 'data'],
    ['ImportRequested.v1', 'jobId', undefined, 'jobId'],
    ['ImportRequested.v1', 'tenantId', 42, 'tenantId'],
    ['ImportRequested.v1', 'clientToken', null, 'clientToken'],
    ['ImportRequested.v1', 'definition', null, 'definition'],
    ['ImportRequested.v1', 'definition.jobType', undefined, 'definition.jobType'],
    ['ImportRequested.v1', 'definition.format', 'XML', 'definition.format'],
    ['ImportRequested.v1', 'definition.sources', 's3://imports/customers.csv', 'definition.sources'],
    ['ImportRequested.v1', 'definition.sources.0.type', 'file', 'definition.sources[0].type'],
    ['ImportRequested.v1', 'definition.sources.0.url', 7, 'definition.sources[0].url'],
    ['ImportRequested.v1', 'definition.sources.1.destination', null, 'definition.sources[1].destination'],
    ['ImportRequested.v1', 'definition.destinationTopic', undefined, 'definition.destinationTopic'],
    ['ImportRequested.v1', 'definition.keyField', null, 'definition.keyField'],
    ['ImportRequested.v1', 'definition.schema', [], 'definition.schema'],
    ['ImportRequested.v1', 'definition.metadata', 'owner=crm', 'definition.metadata'],
    ['ImportRequested.v1', 'definition.metadata.owner', 42, 'definition.metadata values'],
    ['ImportRequested.v1', 'definition.failurePolicy', undefined, 'definition.failurePolicy'],
    ['ImportRequested.v1', 'definition.failurePolicy.maxFailedRowRatio', 1.5, 'definition.failurePolicy.maxFailedRowRatio'],
    ['ImportRequested.v1', 'definition.exclusiveDestination', 'yes', 'definition.exclusiveDestination'],
    ['ImportRequested.v1', 'occurredAt', 'yesterday', 'occurredAt'],
    ['ImportRequested.v1', 'occurredAt', '0000-01-01T00:00:00Z', 'occurredAt'],
    ['ImportRequested.v1', 'occurredAt', '2026-02-30T10:00:00Z junk', 'occurredAt'],
    ['ImportPlanningStarted.v1', 'jobId', undefined, 'jobId'],
    ['ImportPlanningStarted.v1', 'occurredAt', 1_772_000_000_000, 'occurredAt'],
    ['ImportPlanned.v1', 'pieces', 2, 'pieces'],
    ['ImportPlanned.v1', 'pieces.0.pieceId', undefined, 'pieces[0].pieceId'],
    ['ImportPlanned.v1', 'files', -1, 'files'],
    ['ImportPlanned.v1', 'totalBytes', '2000', 'totalBytes'],
    ['PiecesPlanned.v1', 'chunk', 1.5, 'chunk'],
    ['PiecesPlanned.v1', 'pieces', null, 'pieces'],
    ['PiecesPlanned.v1', 'pieces.1', 'piece-2', 'pieces[1]'],
    ['PiecesPlanned.v1', 'pieces.0.object', undefined, 'pieces[0].object'],
    ['PiecesPlanned.v1', 'pieces.0.object.bucket', 3, 'pieces[0].object.bucket'],
    ['PiecesPlanned.v1', 'pieces.0.object.etag', undefined, 'pieces[0].object.etag'],
    ['PiecesPlanned.v1', 'pieces.0.object.versionId', null, 'pieces[0].object.versionId'],
    ['PiecesPlanned.v1', 'pieces.0.object.size', undefined, 'pieces[0].object.size'],
    ['PiecesPlanned.v1', 'pieces.0.range.end', -1, 'pieces[0].range.end'],
    ['PiecesPlanned.v1', 'pieces.1.range.start', 5000, 'pieces[1].range'],
    ['PiecesPlanned.v1', 'pieces.0.compression', 'zip', 'pieces[0].compression'],
    ['PiecesPlanned.v1', 'pieces.0.firstLine', 2.5, 'pieces[0].firstLine'],
    ['PiecesPlanned.v1', 'pieces.0.csvHeader', [1, 2], 'pieces[0].csvHeader[0]'],
    ['PiecesPlanned.v1', 'pieces.0.destinationTopic', undefined, 'pieces[0].destinationTopic'],
    ['PiecesPlanned.v1', 'pieces.0.origin', 'customers.csv.gz', 'pieces[0].origin'],
    ['PiecesPlanned.v1', 'pieces.0.origin.key', undefined, 'pieces[0].origin.key'],
    ['PiecesPlanned.v1', 'pieces.0.origin.versionId', 7, 'pieces[0].origin.versionId'],
    ['ImportPlanned.v2', 'pieces', [piece], 'pieces'],
    ['ImportPlanned.v2', 'files', undefined, 'files'],
    ['ImportPlanned.v2', 'totalBytes', 2 ** 53, 'totalBytes'],
    ['PieceCompleted.v1', 'pieceId', undefined, 'pieceId'],
    ['PieceCompleted.v1', 'rowsProcessed', -10, 'rowsProcessed'],
    ['PieceCompleted.v1', 'rowsFailed', 11, 'rowsFailed'],
    ['PieceCompleted.v1', 'bytesProcessed', '1000', 'bytesProcessed'],
    ['PieceCompleted.v1', 'firstFailures', 'none', 'firstFailures'],
    ['PieceCompleted.v1', 'firstFailures.0.line', '4', 'firstFailures[0].line'],
    ['PieceCompleted.v1', 'firstFailures.0.file', undefined, 'firstFailures[0].file'],
    ['PieceCompleted.v1', 'firstFailures.0.raw', null, 'firstFailures[0].raw'],
    ['PieceCompleted.v1', 'failureListLocation', 42, 'failureListLocation'],
    ['PieceFailed.v1', 'reason', undefined, 'reason'],
    ['PieceFailed.v1', 'reason.code', 'BOOM', 'reason.code'],
    ['PieceFailed.v1', 'reason.code', 'PIECES_FAILED', 'reason.code'],
    ['PieceFailed.v1', 'reason.message', undefined, 'reason.message'],
    ['PieceCancelled.v1', 'pieceId', null, 'pieceId'],
    ['ImportCompleting.v1', 'occurredAt', undefined, 'occurredAt'],
    ['ImportFailing.v1', 'reason.code', 'SOURCE_CHANGED', 'reason.code'],
    ['ImportFailing.v1', 'reason', 'it failed', 'reason'],
    ['ImportCancelling.v1', 'reason', 42, 'reason'],
    ['ImportCompleted.v1', 'failureReport', null, 'failureReport'],
    ['ImportCompleted.v1', 'failureReport.rows', -1, 'failureReport.rows'],
    ['JobFailed.v1', 'reason', null, 'reason'],
    ['JobFailed.v1', 'failureReport.location', undefined, 'failureReport.location'],
    ['ImportCancelled.v1', 'jobId', 7, 'jobId'],
  ])('given %s with %s set to %j', (type, field, value, named) => {
    it(`calls it unreadable, naming ${named}`, () => {
      const { data } = wellFormed.find((event) => event.type === type)!;
      expect(parseImportJobEvent(type, spoilt(data, field, value))).toEqual({ kind: 'unreadable', type, problem: expect.stringContaining(named) });
    });
  });

  // Data no release writes, in the shapes JSON can hold, with the prototype keys a careless reader trips on.
  const hostileData: readonly unknown[] = [null, undefined, 0, -1, 'text', true, [], [{}], {}, { jobId: {} }, JSON.parse('{"__proto__":{"jobId":"job-1"},"constructor":{"prototype":{}}}')];

  it.each(importJobEventTypes)('calls %s unreadable, without throwing, for data of any other shape', (type) => {
    for (const data of hostileData) expect(parseImportJobEvent(type, data)).toMatchObject({ kind: 'unreadable', type });
  });

  it('keeps what a tenant wrote out of the problem it reports', () => {
    const { data } = wellFormed.find((event) => event.type === 'ImportRequested.v1')!;
    const parsed = parseImportJobEvent('ImportRequested.v1', spoilt(data, 'definition.metadata', { 'password=hunter2': 7 }));
    expect(parsed).toMatchObject({ kind: 'unreadable' });
    expect(JSON.stringify(parsed)).not.toContain('hunter2');
  });
});

describe('reading an event from a stream', () => {
  const started = { type: 'ImportPlanningStarted.v1', data: { jobId, occurredAt: at } };

  it('reads a job event in its own job stream', () => {
    expect(parseJobStreamEvent({ streamId: importJobStreamId(jobId), ...started })).toMatchObject({ kind: 'event' });
  });

  it('calls a job event in another job stream unreadable there: that stream revisions are not its job', () => {
    expect(parseJobStreamEvent({ streamId: importJobStreamId('job-2'), ...started })).toEqual({
      kind: 'unreadable',
      type: started.type,
      problem: expect.stringContaining('job-2'),
    });
  });

  it('leaves an event of another kind as it is, wherever it is', () => {
    expect(parseJobStreamEvent({ streamId: 'piece-claim-job-1-piece-1', type: 'PieceClaimed.v1', data: {} })).toEqual({ kind: 'foreign' });
  });
});

/** The data with the field at the dotted path set to the value (removed for undefined); 'the data' replaces it whole. */
function spoilt(data: object, path: string, value: unknown): unknown {
  if (path === 'the data') return value;
  const copy = structuredClone(data) as Record<string, unknown>;
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, copy);
  const last = keys.at(-1)!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}
