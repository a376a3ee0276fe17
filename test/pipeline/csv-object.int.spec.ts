import { parse } from 'csv-parse/sync';
import { csvFile, plainRow, type FixtureRow } from './support/csv-fixture';
import { peopleFile, peopleSchema } from './support/fixture-files';
import { deliveredRecords, expectedRecords, plannedPieces } from './support/delivered-records';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// Small pieces, so that files of a few kilobytes are cut into many.
const pieceSizeBytes = 2048;

describe('the import pipeline, from one S3 CSV object to the destination topic', () => {
  const suite = usePipelineSuite({ pieceSizeBytes });

  it('imports every valid row once with its key and headers, and reports every bad row with its line and reason', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const file = peopleFile(240);
    const url = await sources.put('people/people.csv', file.body);
    const destinationTopic = await createDestinationTopic(messaging, 'people');

    const accepted = await api.requestImport({
      sources: [{ url, type: 'object' }],
      format: 'CSV',
      destinationTopic,
      keyField: 'id',
      schema: peopleSchema,
      clientToken: `people-${destinationTopic}`,
      metadata: { suite: 'pipeline' },
    });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.id;
    jobIds.push(jobId);
    // Read-your-writes: the job just accepted is there at once, whether or not it is projected yet.
    expect((await api.getJob(jobId)).status).toBe(200);

    const job = await api.waitUntilFinished(jobId);
    const pieces = await plannedPieces(pipeline.store, jobId);
    const messages = await readCommittedUntilNow(messaging, destinationTopic);

    expect(job.status).toBe('Completed');
    expect(pieces.length).toBeGreaterThan(2);
    expect(deliveredRecords(messages)).toEqual(expectedRecords(jobId, url, file.valid));
    const pieceIds = new Set(pieces.map((piece) => piece.pieceId));
    expect(messages.filter((message) => !pieceIds.has(message.headers['import-piece-id'] ?? ''))).toEqual([]);

    expect(job).toMatchObject({
      id: jobId,
      JobStatus: 'COMPLETED',
      pieces: { total: pieces.length, completed: pieces.length, failed: 0 },
      rows: { processed: file.rows.length, failed: file.invalid.length, imported: file.valid.length },
      bytes: { total: Buffer.byteLength(file.body) },
      failureReason: null,
      failureReport: { location: expect.stringMatching(new RegExp(`^s3://${pipeline.settings.reportsBucket}/`)), rows: file.invalid.length },
      definition: { destinationTopic, keyField: 'id', metadata: { suite: 'pipeline' } },
    });
    expect(job.completedAt).not.toBeNull();
    const expectedFailures = file.invalid.map(({ line, text, expect: { reason } }) => ({ file: url, line, reason, raw: text }));
    expect([...job.failures].sort((a, b) => a.line - b.line)).toEqual(expectedFailures);

    expect(job.failedRecordReport).toEqual(expect.stringMatching(/^http.*[?&]X-Amz-Signature=/));
    expect(Date.parse(job.urlExpiry ?? '')).toBeGreaterThan(Date.now());
    const report = await fetch(job.failedRecordReport ?? '');
    expect(report.status).toBe(200);
    const reported = parse(await report.text(), { columns: true }) as Array<Record<string, string>>;
    expect(reported.map((row) => ({ ...row, line: Number(row.line) })).sort((a, b) => a.line - b.line)).toEqual(expectedFailures);
  });

  it('loses and duplicates no row of a CSV whose quoted fields hold line breaks, escaped quotes and CRLF, cut into many pieces', async () => {
    const { api, messaging, sources, jobIds } = suite;
    const header = ['id', 'note', 'n'];
    const file = csvFile(header, quotedRows(header, 260), { lineEnding: '\r\n', bom: true });
    const url = await sources.put('notes/quoted.csv', file.body);
    const destinationTopic = await createDestinationTopic(messaging, 'quoted');

    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    const delivered = deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic));

    expect(job).toMatchObject({ status: 'Completed', rows: { processed: file.rows.length, failed: 0, imported: file.rows.length }, failures: [] });
    expect(job.pieces.total).toBeGreaterThanOrEqual(10);
    expect(job.pieces.completed).toBe(job.pieces.total);
    // Each record exactly once, with the line it starts on in the file: no piece cut a record in two.
    expect(delivered).toEqual(expectedRecords(jobId, url, file.valid));
  });

  itChecksEveryJobOfTheFile(suite);
});

/**
 * Rows whose notes hold what makes CSV hard to cut: line breaks (LF and CRLF) inside quotes,
 * doubled quotes, commas, a quote right at a line start. Lengths vary, so piece boundaries fall
 * at every sort of place; a fixed seed keeps the file the same from run to run.
 */
function quotedRows(header: readonly string[], count: number): FixtureRow[] {
  let seed = 20240917;
  const next = (bound: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % bound;
  };
  const parts = ['plain words', 'a "quoted" word', 'comma, inside', '\n', '\r\n', '"', '""', 'id,note,n', ' ', 'ünïcödé ✓'];
  return Array.from({ length: count }, (_, index) => {
    const note = Array.from({ length: next(40) }, () => parts[next(parts.length)]).join('');
    return plainRow(header, [`q-${index + 1}`, note, String(index)], 'id');
  });
}
