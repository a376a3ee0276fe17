import { planJobs, UsageError } from './start-plan';
import { formatOfName } from './upload-file';

const urls = (...given: string[]) => given.map((url) => ({ given: url, path: url }));

describe('the jobs `start` requests', () => {
  it('tells the format by the name, gzip or not, and nothing for other names', () => {
    expect(['a.csv', 'A.CSV.GZ', 'b.ndjson', 'c.jsonl.gz', 'd.json', 'e.txt', 'f.csv.zip', 'csv'].map(formatOfName)).toEqual([
      'CSV',
      'CSV',
      'JSON',
      'JSON',
      'JSON',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('puts S3 objects and prefixes in one job, in the format their names tell, and each upload id in a job of its own', async () => {
    const jobs = await planJobs({ sources: urls('s3://in/a.ndjson', 's3://in/more/'), uploadIds: ['u-1', 'u-2'], format: undefined });

    expect(jobs).toEqual([
      {
        kind: 's3',
        sources: [
          { url: 's3://in/a.ndjson', type: 'object' },
          { url: 's3://in/more/', type: 'prefix' },
        ],
        format: 'JSON',
      },
      { kind: 'upload', uploadId: 'u-1', format: undefined },
      { kind: 'upload', uploadId: 'u-2', format: undefined },
    ]);
  });

  it('reads S3 names that tell nothing as CSV, and --format wins over any name', async () => {
    expect(await planJobs({ sources: urls('s3://in/prefix/'), uploadIds: [], format: undefined })).toMatchObject([{ format: 'CSV' }]);
    expect(await planJobs({ sources: urls('s3://in/a.csv', 's3://in/b.ndjson'), uploadIds: ['u'], format: 'JSON' })).toMatchObject([{ format: 'JSON' }, { format: 'JSON' }]);
  });

  it('refuses what cannot make a job before anything is sent', async () => {
    await expect(planJobs({ sources: [], uploadIds: [], format: undefined })).rejects.toThrow(UsageError);
    await expect(planJobs({ sources: urls('s3://in/a.csv', 's3://in/b.ndjson'), uploadIds: [], format: undefined })).rejects.toThrow(/different formats/);
  });
});
