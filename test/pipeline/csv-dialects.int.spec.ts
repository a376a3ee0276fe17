import { gzipSync } from 'node:zlib';
import type { CsvOptions } from '@import-jobs/domain';
import { deliveredRecords } from './support/delivered-records';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// The smallest pieces, so that the longer files are cut, and their dialect must hold across pieces.
const pieceSizeBytes = 1024;

interface DialectCase {
  readonly name: string;
  readonly file: Buffer;
  readonly key?: string;
  readonly csv?: CsvOptions;
  /** The rows a person reads in the file, in file order, as the destination topic must hold them. */
  readonly records: ReadonlyArray<Record<string, string>>;
  readonly failures?: ReadonlyArray<{ readonly line: number; readonly reason: RegExp }>;
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const cityNames = ['Köln', 'Zürich', 'Besançon', 'Málaga', 'Øresund', 'Ærø'];
/** Enough rows to fill several pieces. */
const cities = Array.from({ length: 150 }, (_, index) => cityNames[index % cityNames.length]!);

// Files as spreadsheets and databases export them. The first cases say nothing of the file: what a
// user with such an export expects is that it simply imports.
const cases: DialectCase[] = [
  {
    name: 'a semicolon-separated Latin-1 export, found without being told',
    file: latin1(`id;city;price\n${cities.map((city, index) => `${index};${city};${index},50`).join('\n')}\n`),
    records: cities.map((city, index) => ({ id: String(index), city, price: `${index},50` })),
  },
  {
    name: 'a tab-separated UTF-16 export with its byte order mark, found without being told',
    file: utf16le(`id\tcity\r\n${cities.map((city, index) => `${index}\t${city}`).join('\r\n')}\r\n`),
    records: cities.map((city, index) => ({ id: String(index), city })),
  },
  {
    name: 'a gzip semicolon export, found from its inflated start',
    file: gzipSync(Buffer.from(`id;city\n${cities.map((city, index) => `${index};${city}`).join('\n')}\n`)),
    records: cities.map((city, index) => ({ id: String(index), city })),
  },
  {
    name: 'a stray quote in an unquoted field, kept as spreadsheets write it',
    file: Buffer.from(`id,position\n1,37°36'37.8"N\n2,"12°, 4'"\n`),
    records: [
      { id: '1', position: `37°36'37.8"N` },
      { id: '2', position: `12°, 4'` },
    ],
  },
  {
    name: 'strict quotes, where a stray quote fails its row',
    file: Buffer.from(`id,position\n1,37°36'37.8"N\n2,ok\n`),
    csv: { relaxQuotes: false },
    records: [{ id: '2', position: 'ok' }],
    failures: [{ line: 2, reason: /quote inside an unquoted field/ }],
  },
  {
    name: 'a file without a header row, its columns numbered',
    file: Buffer.from('1,ann,Lyon\n2,bob,Aix\n3,cy,Metz\n'),
    key: 'column1',
    csv: { header: false },
    records: [
      { column1: '1', column2: 'ann', column3: 'Lyon' },
      { column1: '2', column2: 'bob', column3: 'Aix' },
      { column1: '3', column2: 'cy', column3: 'Metz' },
    ],
  },
  {
    name: 'a file without a header row, its columns named by the caller',
    file: Buffer.from('1|ann\n2|bob\n'),
    csv: { header: ['id', 'name'], delimiter: '|' },
    records: [
      { id: '1', name: 'ann' },
      { id: '2', name: 'bob' },
    ],
  },
  {
    name: "single quotes and backslash escapes, as MySQL's SELECT … INTO OUTFILE can write them",
    file: Buffer.from("id,note\n1,'it\\'s, fine'\n2,'a \\\\ b'\n"),
    csv: { quote: "'", escape: '\\' },
    records: [
      { id: '1', note: "it's, fine" },
      { id: '2', note: 'a \\ b' },
    ],
  },
  {
    name: 'blanks trimmed around fields and quotes, and empty lines kept as rows',
    file: Buffer.from('id , note\n 1 ,  "a, b"  \n\n 3 , c\n'),
    csv: { trim: true, skipEmptyLines: false },
    records: [
      { id: '1', note: 'a, b' },
      { id: '3', note: 'c' },
    ],
    // The kept empty line is a row of one field, where the header has two.
    failures: [{ line: 3, reason: /expected 2 fields as in the header, found 1/ }],
  },
  {
    name: 'a windows-1252 file told as such, with the euro sign Latin-1 lacks',
    file: Buffer.concat([Buffer.from('id,price\n1,'), Buffer.from([0x80]), Buffer.from('5\n')]),
    csv: { encoding: 'windows-1252' },
    records: [{ id: '1', price: '€5' }],
  },
];

describe('CSV dialects, through the real servers', () => {
  const suite = usePipelineSuite({ pieceSizeBytes });

  it.each(cases)('imports $name', async ({ name, file, key = 'id', csv, records, failures = [] }) => {
    const { api, messaging, sources, jobIds } = suite;
    const objectKey = `dialects/${name.replace(/\W+/g, '-')}.csv${file[0] === 0x1f && file[1] === 0x8b ? '.gz' : ''}`;
    const url = await sources.put(objectKey, file);
    const destinationTopic = await createDestinationTopic(messaging, 'dialect');

    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: key, ...(csv && { csv }) });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    const delivered = deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic));

    expect(delivered.map((record) => record.record)).toEqual(records);
    expect(job).toMatchObject({ status: 'Completed', rows: { processed: records.length + failures.length, failed: failures.length } });
    expect(job.failures.map(({ line, reason }) => ({ line, reason }))).toEqual(failures.map(({ line, reason }) => ({ line, reason: expect.stringMatching(reason) })));
  });

  it.each<[string, CsvOptions, string]>([
    ['a delimiter of two characters', { delimiter: ';;' }, 'csv.delimiter'],
    ['an encoding it does not read', { encoding: 'ebcdic' as 'utf-8' }, 'csv.encoding'],
    ['column names twice the same', { header: ['id', 'id'] }, 'csv.header'],
    ['a delimiter that is the quote', { delimiter: '"' }, 'csv.delimiter'],
  ])('refuses %s with a 400 naming the option', async (_, csv, field) => {
    const answer = await suite.api.requestImport({ sources: [{ url: 's3://imports/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 'dialects', csv });
    expect(answer).toMatchObject({ status: 400, body: { details: [expect.objectContaining({ field })] } });
  });

  itChecksEveryJobOfTheFile(suite);
});
