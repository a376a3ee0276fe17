import { maxFailuresKept, type ImportFormat, type JsonObject, type PieceOutcome, type RowFailure } from '@import-jobs/domain';
import { truncationMarker } from '@import-jobs/formats';
import type { OutgoingMessage, Transaction } from '@import-jobs/messaging';
import type { PieceResult, PieceWorkItem } from '../messages';
import { InMemoryObjectStore } from '@import-jobs/sources/testing/in-memory-object-store';
import { chunksOf, readAll } from '@import-jobs/sources/testing/byte-streams';
import { defaultPieceLimits, processPiece, type PieceLimits } from './piece-processor';
import { RowValidators } from './row-validators';

function fakeTransaction(): Transaction & { readonly sent: OutgoingMessage[]; readonly sends: OutgoingMessage[][] } {
  const sent: OutgoingMessage[] = [];
  const sends: OutgoingMessage[][] = [];
  return {
    sent,
    sends,
    send: async (messages) => {
      sends.push([...messages]);
      sent.push(...messages);
    },
    sendOffsets: async () => undefined,
  };
}

function workItem(format: ImportFormat, file: Buffer, options: { schema?: JsonObject; csvHeader?: string[]; keyField?: string; passThrough?: boolean } = {}): PieceWorkItem {
  return {
    type: 'PieceWorkItem',
    version: 1,
    jobId: `job-${format}`,
    tenantId: 'tenant-1',
    format,
    ...(options.keyField !== undefined && { keyField: options.keyField }),
    ...(options.schema !== undefined && { schema: options.schema }),
    ...(options.passThrough !== undefined && { json: { passThrough: options.passThrough } }),
    piece: {
      pieceId: 'piece-1',
      object: { bucket: 'sources', key: `file.${format}`, etag: '"e"', size: file.length },
      range: { start: 0, end: file.length },
      compression: 'none',
      firstLine: 1,
      ...(options.csvHeader !== undefined && { csvHeader: options.csvHeader }),
      destinationTopic: 'people',
    },
  };
}

/** Imports the piece from `file`, the one source object of a store that also holds the failures bucket. */
async function process(item: PieceWorkItem, file: Buffer, limits: Partial<PieceLimits> = {}) {
  const objectStore = new InMemoryObjectStore();
  objectStore.createBucket(item.piece.object.bucket);
  objectStore.createBucket('failures');
  const { etag } = await objectStore.write(item.piece.object, chunksOf(file));
  const transaction = fakeTransaction();
  const outcome = await processPiece({ ...item, piece: { ...item.piece, object: { ...item.piece.object, etag } } }, transaction, {
    objectStore,
    failuresBucket: 'failures',
    validators: new RowValidators(),
    heartbeat: async () => undefined,
    limits,
  });
  const { objects: lists } = await objectStore.list('failures', '');
  const lines = await Promise.all(lists.map(async (list) => (await readAll(objectStore.read(list, 'whole'))).toString('utf8')));
  const failureList = lines.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as RowFailure);
  return { outcome, published: transaction.sent, sends: transaction.sends, failureList };
}

function completed(outcome: PieceOutcome): Extract<PieceOutcome, { kind: 'completed' }> {
  if (outcome.kind !== 'completed') throw new Error(`the piece did not complete: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('processPiece on hostile rows', () => {
  it('publishes every row or fails it, whatever the NDJSON line holds', async () => {
    const lines = [
      '\uFEFF{"id":"bom"}',
      `{"id":"deep arrays","a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      '{"id":"big","n":12345678901234567890}',
      '{"id":"proto","__proto__":{"polluted":true}}',
      '{"id":"escapes","s":"lone \\ud800","nul":"a\\u0000b"}',
      '{"id":"\\udc00"}',
      '{"id":"dup","id":"last"}',
      '{"id":"cr"}\r{"id":"only"}',
      `{"id":"huge","v":"${'x'.repeat(1_000_000)}"}`,
      '{"id":"after"}',
    ];
    const file = Buffer.from(`${lines.join('\n')}\n`);
    const { outcome, published, failureList } = await process(workItem('JSON', file, { keyField: 'id' }), file);

    const result = completed(outcome);
    expect(result.rowsProcessed).toBe(lines.length);
    expect(published.length + result.rowsFailed).toBe(lines.length);
    expect(published.map((message) => message.value)).toEqual([
      '{"id":"bom"}',
      '{"id":"proto","__proto__":{"polluted":true}}',
      '{"id":"escapes","s":"lone \\ud800","nul":"a\\u0000b"}',
      '{"id":"last"}',
      '{"id":"after"}',
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(failureList.map(({ line, reason }) => ({ line, reason }))).toEqual([
      { line: 2, reason: 'nested deeper than 64 levels of objects and arrays' },
      { line: 3, reason: 'nested deeper than 64 levels of objects and arrays' },
      { line: 4, reason: 'integer 12345678901234567890 would be published as 12345678901234567000, as a double cannot hold it: write it as a string' },
      { line: 7, reason: '/id: key field holds a lone surrogate, which UTF-8 cannot carry' },
      { line: 9, reason: expect.stringMatching(/\(the line holds a CR: NDJSON lines end with LF\)$/) },
      { line: 10, reason: 'record longer than 1000000 bytes' },
    ]);
  });

  it('checks a catastrophic pattern on a long value in linear time', async () => {
    const file = Buffer.from(`{"a":"${'a'.repeat(50_000)}!"}\n{"a":"aaa"}\n`);
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } };
    const { outcome, published } = await process(workItem('JSON', file, { schema }), file);
    expect(published.map((message) => message.value)).toEqual(['{"a":"aaa"}']);
    expect(completed(outcome).firstFailures.map(({ reason }) => reason)).toEqual(['/a: must match pattern "^(a+)+$"']);
  });

  it('cuts failure texts with a visible marker and keeps the piece result within a Kafka message', async () => {
    // The worst text for JSON: every UTF-16 unit a control character, written as 6 bytes (\u0001),
    // in the row and in the reason, which names the column.
    const controls = '\u0001'.repeat(5_000);
    const rows = 300;
    const file = Buffer.from(`${controls}\n`.repeat(rows));
    const schema = { type: 'object', additionalProperties: false };
    const { outcome, failureList } = await process(workItem('CSV', file, { schema, csvHeader: [controls] }), file);

    const result = completed(outcome);
    expect(result.rowsFailed).toBe(rows);
    expect(failureList).toHaveLength(rows);
    const maxText = defaultPieceLimits.maxFailureTextChars + truncationMarker.length;
    for (const { reason, raw } of failureList) {
      expect({ reasonEnd: reason.slice(-truncationMarker.length), reasonFits: reason.length <= maxText }).toEqual({ reasonEnd: truncationMarker, reasonFits: true });
      expect({ rawEnd: raw?.slice(-truncationMarker.length), rawFits: (raw ?? '').length <= maxText }).toEqual({ rawEnd: truncationMarker, rawFits: true });
    }
    expect(result.firstFailures.length).toBeGreaterThan(0);
    expect(result.firstFailures.length).toBeLessThan(maxFailuresKept);
    expect(result.firstFailures).toEqual(failureList.slice(0, result.firstFailures.length));

    const pieceResult: PieceResult = { type: 'PieceResult', version: 1, jobId: 'job-CSV', pieceId: 'piece-1', outcome, finishedAt: new Date(0).toISOString() };
    const bytes = Buffer.byteLength(JSON.stringify(pieceResult));
    expect(bytes).toBeLessThanOrEqual(defaultPieceLimits.maxFirstFailuresBytes + 1024);
    expect(bytes).toBeLessThan(defaultPieceLimits.maxMessageBytes);
  });

  it('keeps all of the first failures when they are short', async () => {
    const rows = maxFailuresKept + 5;
    const file = Buffer.from(Array.from({ length: rows }, (_, index) => `{"n":${index}}\n`).join(''));
    const { outcome } = await process(workItem('JSON', file, { schema: { type: 'object', required: ['id'] } }), file);
    expect(completed(outcome).firstFailures).toHaveLength(maxFailuresKept);
  });

  it('imports CSV values holding NUL bytes', async () => {
    const file = Buffer.from('a\u0000b,"c\u0000"\n');
    const { outcome, published } = await process(workItem('CSV', file, { csvHeader: ['id', 'note'] }), file);
    expect(completed(outcome).rowsFailed).toBe(0);
    expect(published.map((message) => message.value)).toEqual(['{"id":"a\\u0000b","note":"c\\u0000"}']);
  });
});

describe('processPiece sends', () => {
  // Rows of different lengths, so that a count of records could not stand for their bytes.
  const rows = Array.from({ length: 2_000 }, (_, index) => `${index},${'x'.repeat((index * 7_919) % 997)}`);
  const file = Buffer.from(`${rows.join('\n')}\n`);
  /** What a record weighs on the wire at the least: its key, value and header names and values. */
  const payloadBytes = ({ key, value, headers = {} }: OutgoingMessage) =>
    Buffer.byteLength(key ?? '') + Buffer.byteLength(value ?? '') + Object.entries(headers).reduce((sum, [name, header]) => sum + Buffer.byteLength(name) + Buffer.byteLength(header), 0);

  it('fills each send by bytes up to the broker limit, not by a count of records', async () => {
    const maxMessageBytes = 50_000;
    const { published, sends } = await process(workItem('CSV', file, { csvHeader: ['id', 'note'], keyField: 'id' }), file, { maxMessageBytes });

    expect(published).toHaveLength(rows.length);
    const sendBytes = sends.map((send) => send.reduce((sum, message) => sum + payloadBytes(message), 0));
    expect(Math.max(...sendBytes)).toBeLessThanOrEqual(maxMessageBytes);
    // Every send but the last is nearly full (what is missing is Kafka's framing of each record,
    // which the payload leaves out), however many records that takes.
    for (const bytes of sendBytes.slice(0, -1)) expect(bytes).toBeGreaterThan(0.7 * maxMessageBytes);
    expect(new Set(sends.slice(0, -1).map((send) => send.length)).size).toBeGreaterThan(1);
  });

  it('publishes a pass-through job\'s lines as the file writes them, and a record of every other line', async () => {
    const lines = ['{ "id": "1", "n": 1.50 }', '{"id":"2","n":2}  ', '[]', '\t{"id":"4"}'];
    const ndjson = Buffer.from(`${lines.join('\r\n')}\r\n`);

    const passed = await process(workItem('JSON', ndjson, { keyField: 'id', passThrough: true }), ndjson);
    const parsed = await process(workItem('JSON', ndjson, { keyField: 'id' }), ndjson);

    expect(passed.published.map(({ value }) => value?.toString())).toEqual([lines[0], lines[1], lines[3]]);
    expect(parsed.published.map(({ value }) => value)).toEqual(['{"id":"1","n":1.5}', '{"id":"2","n":2}', '{"id":"4"}']);
    expect(completed(passed.outcome).firstFailures.map(({ line }) => line)).toEqual([3]);
  });
});
