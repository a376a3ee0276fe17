import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// Small pieces, so that the lines are cut into several pieces and each keeps its bytes across them.
const pieceSizeBytes = 1024;

// Lines as other tools write them: blanks inside and around, keys in their own order, numbers
// spelled as the writer chose. A pass-through job must publish each byte for byte.
const writtenLines = Array.from({ length: 60 }, (_, index) =>
  index % 3 === 0 ? `{ "id": "${index}", "price": 1.50, "tags": [ ] }` : index % 3 === 1 ? `{"price":1e2,"id":"${index}"}  ` : `\t{"id":"${index}","unicode":"\\u00e9"}`,
);

describe('NDJSON pass-through, through the real servers', () => {
  const suite = usePipelineSuite({ pieceSizeBytes });

  async function importLines(lines: readonly string[], json?: { passThrough: boolean }) {
    const { api, messaging, sources, jobIds } = suite;
    const url = await sources.put(`pass-through/${jobIds.length}.ndjson`, Buffer.from(`${lines.join('\r\n')}\r\n`));
    const destinationTopic = await createDestinationTopic(messaging, 'pass-through');
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'JSON', destinationTopic, keyField: 'id', ...(json && { json }) });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    const delivered = await readCommittedUntilNow(messaging, destinationTopic);
    const byKey = new Map(delivered.map((message) => [message.key, message.value?.toString('utf8')]));
    return { job, delivered, byKey };
  }

  it('publishes each valid line as the file writes it, its line end left out', async () => {
    const { job, delivered, byKey } = await importLines(writtenLines, { passThrough: true });

    expect(job).toMatchObject({ status: 'Completed', rows: { processed: writtenLines.length, failed: 0 } });
    expect(delivered).toHaveLength(writtenLines.length);
    writtenLines.forEach((line, index) => expect(byKey.get(String(index))).toBe(line));
  });

  it('still checks every line: not an object, no key, or against the schema, it is a row failure', async () => {
    const lines = ['{"id":"1","n":1.0}', '[1,2]', '{"n":2}', '{"id":"4","n":"four"}', '{"id":"5" , "n":5}'];
    const { api } = suite;
    const url = await suite.sources.put('pass-through/checked.ndjson', Buffer.from(`${lines.join('\n')}\n`));
    const destinationTopic = await createDestinationTopic(suite.messaging, 'pass-through');
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'JSON', destinationTopic, keyField: 'id', schema, json: { passThrough: true } });
    suite.jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    const delivered = await readCommittedUntilNow(suite.messaging, destinationTopic);

    expect(delivered.map((message) => message.value?.toString('utf8'))).toEqual(['{"id":"1","n":1.0}', '{"id":"5" , "n":5}']);
    expect(job.failures.map(({ line }) => line)).toEqual([2, 3, 4]);
  });

  it('without it, writes each record as JSON of its own: the same data, not the same bytes', async () => {
    const { byKey } = await importLines(writtenLines.slice(0, 3));

    expect(byKey.get('0')).toBe('{"id":"0","price":1.5,"tags":[]}');
    expect(byKey.get('1')).toBe('{"price":100,"id":"1"}');
    expect(byKey.get('2')).toBe('{"id":"2","unicode":"é"}');
  });

  it('refuses the option for CSV, or without passThrough, with a 400 naming the field', async () => {
    const csv = await suite.api.requestImport({ sources: [{ url: 's3://imports/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 'lines', json: { passThrough: true } });
    expect(csv).toMatchObject({ status: 400, body: { details: [expect.objectContaining({ field: 'json' })] } });
    const empty = await suite.api.requestImport({ sources: [{ url: 's3://imports/a.ndjson', type: 'object' }], format: 'JSON', destinationTopic: 'lines', json: {} });
    expect(empty).toMatchObject({ status: 400, body: { details: [expect.objectContaining({ field: expect.stringMatching(/^json/) })] } });
  });

  itChecksEveryJobOfTheFile(suite);
});
