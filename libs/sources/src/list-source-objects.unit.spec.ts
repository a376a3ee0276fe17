import type { ImportSource } from '@import-jobs/domain';
import { listSourceObjects, type ListSourceObjectsOptions, type SourceObject } from './list-source-objects';
import { ObjectNotFoundError, ObjectRefusedError } from './object-store';
import { InMemoryObjectStore } from './testing/in-memory-object-store';
import { chunksOf } from './testing/byte-streams';

describe('listSourceObjects', () => {
  const bucket = 'sources';
  let store: InMemoryObjectStore;

  beforeEach(() => {
    store = new InMemoryObjectStore();
    store.createBucket(bucket);
  });

  async function put(key: string, body: string | Buffer = key): Promise<string> {
    return (await store.write({ bucket, key }, chunksOf(Buffer.from(body)))).etag;
  }

  async function all(source: ImportSource, options: ListSourceObjectsOptions): Promise<SourceObject[]> {
    const listed: SourceObject[] = [];
    for await (const object of listSourceObjects(store, source, options)) listed.push(object);
    return listed;
  }

  describe('an object source', () => {
    it('is the one object, with the ETag and size of the version stored now', async () => {
      const etag = await put('exports/customers.csv', 'id,name\n1,Ada\n');

      const listed = await all(objectSource(`s3://${bucket}/exports/customers.csv`), { format: 'CSV' });

      expect(listed).toEqual([{ bucket, key: 'exports/customers.csv', etag, size: 14, compression: 'none' }]);
    });

    it('is gzip when its key ends in .gz, whatever the case', async () => {
      await put('exports/customers.CSV.GZ', Buffer.from([0x1f, 0x8b]));

      const [listed] = await all(objectSource(`s3://${bucket}/exports/customers.CSV.GZ`), { format: 'CSV' });

      expect(listed).toMatchObject({ compression: 'gzip', size: 2 });
    });

    it('is not found when the key is missing, naming the URL', async () => {
      const url = `s3://${bucket}/exports/missing.csv`;

      const listing = all(objectSource(url), { format: 'CSV' });

      await expect(listing).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(listing).rejects.toMatchObject({ retriable: false, missing: 'object', message: `${url} does not exist` });
    });

    it('is not found when the bucket is missing, naming the bucket and the URL', async () => {
      const listing = all(objectSource('s3://missing-bucket/customers.csv'), { format: 'CSV' });

      await expect(listing).rejects.toMatchObject({ missing: 'bucket', message: 'bucket "missing-bucket" of s3://missing-bucket/customers.csv does not exist' });
    });

    it('is refused when its URL names no bucket', async () => {
      await expect(all(objectSource('https://example.com/customers.csv'), { format: 'CSV' })).rejects.toBeInstanceOf(ObjectRefusedError);
    });
  });

  describe('a prefix source', () => {
    it('keeps every file of the format below the prefix, across pages and sub-folders', async () => {
      const csvFiles = [
        ...Array.from({ length: 7 }, (_, i) => `imports/part-${i}.csv`),
        ...Array.from({ length: 6 }, (_, i) => `imports/2024/01/part-${i}.CSV`),
        'imports/2024/02/deep/er/part.csv.gz',
        'imports/2024/02/deep/er/Part.Csv.Gz',
        'imports/empty.csv',
      ];
      const jsonFiles = ['imports/a.json', 'imports/2024/b.NDJSON', 'imports/2024/01/c.jsonl', 'imports/2024/01/d.ndjson.gz'];
      const neither = ['imports/readme.txt', 'imports/csv', 'imports/data.csv.zip', 'imports/archive.gz'];
      const folders = ['imports/', 'imports/2024/', 'imports/folder.csv/'];
      await Promise.all([...csvFiles, ...jsonFiles, ...neither, ...folders].map((key) => put(key, key === 'imports/empty.csv' ? Buffer.alloc(0) : key)));
      await put('elsewhere/outside.csv');

      const csv = await all(prefixSource(`s3://${bucket}/imports/`), { format: 'CSV', pageSize: 4 });
      const json = await all(prefixSource(`s3://${bucket}/imports/`), { format: 'JSON', pageSize: 4 });

      expect(csv.map((object) => object.key).sort()).toEqual([...csvFiles].sort());
      expect(json.map((object) => object.key).sort()).toEqual([...jsonFiles].sort());
      expect(csv.find((object) => object.key === 'imports/empty.csv')).toMatchObject({ size: 0, compression: 'none' });
      expect(csv.filter((object) => object.compression === 'gzip').map((object) => object.key).sort()).toEqual([
        'imports/2024/02/deep/er/Part.Csv.Gz',
        'imports/2024/02/deep/er/part.csv.gz',
      ]);
      expect(csv.every((object) => object.bucket === bucket && object.etag.length > 0)).toBe(true);
    });

    it('is the whole bucket when the URL names no prefix', async () => {
      await Promise.all(['a.ndjson', 'x/b.json'].map((key) => put(key)));

      const listed = await all(prefixSource(`s3://${bucket}`), { format: 'JSON' });

      expect(listed.map((object) => object.key).sort()).toEqual(['a.ndjson', 'x/b.json']);
    });

    it('yields nothing for a prefix that holds no file of the format', async () => {
      await put('imports/only.json');

      await expect(all(prefixSource(`s3://${bucket}/imports/`), { format: 'CSV' })).resolves.toEqual([]);
      await expect(all(prefixSource(`s3://${bucket}/nothing-here/`), { format: 'CSV' })).resolves.toEqual([]);
    });

    it('is not found when the bucket is missing, naming the bucket', async () => {
      const listing = all(prefixSource('s3://missing-bucket/imports/'), { format: 'CSV' });

      await expect(listing).rejects.toMatchObject({ missing: 'bucket', message: 'bucket "missing-bucket" of s3://missing-bucket/imports/ does not exist' });
    });
  });
});

function objectSource(url: string): ImportSource {
  return { url, type: 'object' };
}

function prefixSource(url: string): ImportSource {
  return { url, type: 'prefix' };
}
