import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  ObjectChangedError,
  ObjectNotFoundError,
  ObjectRefusedError,
  ObjectStoreError,
  ObjectTooLargeError,
  type ObjectLocation,
  type ObjectStore,
  type StoredObject,
} from '../object-store';
import { chunksOf, readAll } from './byte-streams';

export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  /** A new, empty bucket of the test's own: tests never see each other's objects. */
  newBucket(): Promise<string>;
  /** The store's credentials: no error may carry them. */
  readonly credentials: readonly string[];
  close(): Promise<void>;
}

/** More than one part of any multipart upload: S3's parts are 5 MiB at least. */
const multipartBytes = 11 * 1024 * 1024 + 123;

/**
 * The behaviour every ObjectStore adapter must show, registered as jest blocks: the S3 adapter
 * against the harness's S3 server, and the in-memory double that unit tests use in its place.
 */
export function testObjectStore(name: string, factory: () => Promise<ObjectStoreFixture>): void {
  describe(`${name}: the object store contract`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;
    let bucket: string;

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());

    beforeEach(async () => {
      bucket = await fixture.newBucket();
    });

    const at = (key: string): ObjectLocation => ({ bucket, key });
    const missingBucket = (): string => `missing-${randomUUID()}`;

    function put(key: string, body: string | Buffer): Promise<StoredObject> {
      return store.write(at(key), chunksOf(Buffer.from(body)));
    }

    /** The error `work` fails with, checked to be of `type`, with no credential in its message. */
    async function failure<T extends ObjectStoreError>(work: Promise<unknown> | AsyncIterable<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
      const error = await (Symbol.asyncIterator in work ? readAll(work as AsyncIterable<Uint8Array>) : work).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(type);
      for (const credential of fixture.credentials) expect(String(error)).not.toContain(credential);
      return error as T;
    }

    describe('list', () => {
      it('pages through every object under a prefix, sub-folders included, in key order', async () => {
        const under = ['in/a.csv', 'in/b.csv', 'in/c/d.csv', 'in/c/e/f.csv', 'in/g.csv', 'in/h', 'in/i/'];
        await Promise.all([...under, 'into.csv', 'out/a.csv'].map((key) => put(key, key)));

        const pages: StoredObject[][] = [];
        let page: string | undefined;
        do {
          const listed = await store.list(bucket, 'in/', { pageSize: 3, ...(page !== undefined && { page }) });
          pages.push([...listed.objects]);
          page = listed.nextPage;
        } while (page !== undefined && pages.length < 10);

        expect(pages.map((objects) => objects.length)).toEqual([3, 3, 1]);
        expect(pages.flat().map((object) => object.key)).toEqual([...under].sort());
        const heads = await Promise.all(under.map((key) => store.head(at(key))));
        for (const head of heads) expect(pages.flat()).toContainEqual(expect.objectContaining({ bucket, key: head.key, etag: head.etag, size: head.key.length }));
      });

      it('lists the whole bucket under an empty prefix, and nothing under a prefix that names nothing', async () => {
        await Promise.all(['a', 'b/c'].map((key) => put(key, key)));

        const whole = await store.list(bucket, '');
        const none = await store.list(bucket, 'nothing/');

        expect(whole.objects.map((object) => object.key)).toEqual(['a', 'b/c']);
        expect(whole.nextPage).toBeUndefined();
        expect(none).toEqual({ objects: [] });
      });

      it('fails with ObjectNotFoundError for a bucket that does not exist', async () => {
        await expect(failure(store.list(missingBucket(), ''), ObjectNotFoundError)).resolves.toMatchObject({ missing: 'bucket', retriable: false });
      });
    });

    describe('head', () => {
      it('gives the ETag and size the write gave', async () => {
        const written = await put('people.csv', 'id,name\n1,Ada\n');

        const head = await store.head(at('people.csv'));

        expect(head).toMatchObject({ bucket, key: 'people.csv', size: 14, etag: written.etag });
        expect(written.size).toBe(14);
      });

      it('tells a missing object from a missing bucket', async () => {
        const missingObject = await failure(store.head(at('missing.csv')), ObjectNotFoundError);
        const inMissingBucket = await failure(store.head({ bucket: missingBucket(), key: 'a.csv' }), ObjectNotFoundError);

        expect(missingObject).toMatchObject({ missing: 'object', code: 'NOT_FOUND', retriable: false, message: expect.stringContaining('missing.csv') });
        expect(inMissingBucket).toMatchObject({ missing: 'bucket' });
      });
    });

    describe('read', () => {
      it('streams exactly the bytes of a range, at the start, the middle and the end, and the whole object', async () => {
        const body = randomBytes(300_000);
        const { etag } = await put('data.bin', body);
        const range = (start: number, end: number) => readAll(store.read({ bucket, key: 'data.bin', etag }, { start, end }));

        expect((await range(0, 100)).equals(body.subarray(0, 100))).toBe(true);
        expect((await range(1_234, 250_001)).equals(body.subarray(1_234, 250_001))).toBe(true);
        expect((await range(299_990, 300_000)).equals(body.subarray(299_990))).toBe(true);
        expect((await readAll(store.read({ bucket, key: 'data.bin', etag }, 'whole'))).equals(body)).toBe(true);
      });

      it('hands a large object out in chunks rather than as one buffer', async () => {
        const body = randomBytes(2 * 1024 * 1024);
        const { etag } = await put('large.bin', body);

        const sizes: number[] = [];
        for await (const chunk of store.read({ bucket, key: 'large.bin', etag }, 'whole')) sizes.push(chunk.length);

        expect(sizes.length).toBeGreaterThan(1);
        expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(body.length);
      });

      it('reads an empty range without asking the store', async () => {
        await expect(readAll(store.read({ bucket: missingBucket(), key: 'none', etag: '"x"' }, { start: 7, end: 7 }))).resolves.toHaveLength(0);
      });

      it('fails with ObjectChangedError once the version read was overwritten, and reads the new one', async () => {
        const planned = await put('people.csv', 'id,name\n1,Ada\n');
        const newer = await put('people.csv', 'id,name\n1,Grace\n');

        const changed = await failure(store.read({ bucket, key: 'people.csv', etag: planned.etag }, { start: 8, end: 14 }), ObjectChangedError);

        expect(changed).toMatchObject({ code: 'CHANGED', retriable: false });
        expect((await readAll(store.read({ bucket, key: 'people.csv', etag: newer.etag }, { start: 10, end: 15 }))).toString()).toBe('Grace');
      });

      it('fails with ObjectNotFoundError for a missing object or bucket', async () => {
        await expect(failure(store.read({ bucket, key: 'missing.csv', etag: '"abc"' }, { start: 0, end: 10 }), ObjectNotFoundError)).resolves.toMatchObject({
          retriable: false,
        });
        await expect(failure(store.read({ bucket: missingBucket(), key: 'a.csv', etag: '"abc"' }, 'whole'), ObjectNotFoundError)).resolves.toMatchObject({
          missing: 'bucket',
        });
      });

      it('fails for good with ObjectRefusedError when the range runs past the end of the object', async () => {
        const { etag } = await put('short.csv', '0123456789');

        await expect(failure(store.read({ bucket, key: 'short.csv', etag }, { start: 5, end: 20 }), ObjectRefusedError)).resolves.toMatchObject({ retriable: false });
      });
    });

    describe('write', () => {
      it('streams a body of more than one multipart part, and stores it whole', async () => {
        const body = randomBytes(multipartBytes);

        const written = await store.write(at('big.bin'), chunksOf(body));

        expect(written).toMatchObject({ bucket, key: 'big.bin', size: body.length });
        expect(await store.head(at('big.bin'))).toMatchObject({ etag: written.etag, size: body.length });
        expect(digest(await readAll(store.read(written, 'whole')))).toBe(digest(body));
      });

      it('stores an empty body as an empty object, and replaces an object written before', async () => {
        await put('a.csv', 'first');
        await store.write(at('a.csv'), chunksOf(Buffer.alloc(0)));

        expect(await store.head(at('a.csv'))).toMatchObject({ size: 0 });
      });

      it('fails with the body’s own error and keeps nothing when the body fails after a part', async () => {
        const broken = new Error('the client went away');
        async function* failingAfterAPart(): AsyncGenerator<Uint8Array> {
          yield* chunksOf(randomBytes(multipartBytes));
          throw broken;
        }

        await expect(store.write(at('broken.bin'), failingAfterAPart())).rejects.toBe(broken);

        await failure(store.head(at('broken.bin')), ObjectNotFoundError);
      });

      it('fails with ObjectTooLargeError past maxBytes and keeps nothing, and takes a body of exactly maxBytes', async () => {
        const body = randomBytes(multipartBytes);

        const tooLarge = await failure(store.write(at('large.bin'), chunksOf(body), { maxBytes: body.length - 1 }), ObjectTooLargeError);
        const exact = await store.write(at('exact.bin'), chunksOf(body), { maxBytes: body.length });

        expect(tooLarge).toMatchObject({ code: 'TOO_LARGE', maxBytes: body.length - 1, retriable: false });
        await failure(store.head(at('large.bin')), ObjectNotFoundError);
        expect(exact.size).toBe(body.length);
      });

      it('fails with ObjectNotFoundError for a bucket that does not exist', async () => {
        await expect(failure(store.write({ bucket: missingBucket(), key: 'a.csv' }, chunksOf(Buffer.from('a'))), ObjectNotFoundError)).resolves.toMatchObject({
          missing: 'bucket',
        });
      });
    });

    describe('delete', () => {
      it('removes the object, and succeeds for an object that is already gone', async () => {
        await put('a.csv', 'a');

        await store.delete(at('a.csv'));
        await store.delete(at('a.csv'));

        await failure(store.head(at('a.csv')), ObjectNotFoundError);
      });
    });

    describe('deleteMany', () => {
      it('removes every key named, those already gone included, and nothing else', async () => {
        const named = ['staging/a', 'staging/b/c', 'staging/d'];
        await Promise.all([...named, 'staging/kept', 'other'].map((key) => put(key, key)));

        await store.deleteMany(bucket, [...named, 'staging/never-there']);

        expect((await store.list(bucket, '')).objects.map((object) => object.key)).toEqual(['other', 'staging/kept']);
      });

      it('deletes no keys without asking the store', async () => {
        await expect(store.deleteMany(missingBucket(), [])).resolves.toBeUndefined();
      });

      it('fails with ObjectNotFoundError for a bucket that does not exist', async () => {
        await expect(failure(store.deleteMany(missingBucket(), ['a.csv']), ObjectNotFoundError)).resolves.toMatchObject({ missing: 'bucket' });
      });
    });

    describe('presign', () => {
      it('gives a link that GETs the object over HTTP, with the type it was written with', async () => {
        const body = 'line,reason\n3,"bad ""date"""\n';
        await store.write(at('report.csv'), chunksOf(Buffer.from(body)), { contentType: 'text/csv; charset=utf-8' });

        const response = await fetch(await store.presign(at('report.csv'), 60));

        expect(response.status).toBe(200);
        // Servers differ only in the space between a media type's parameters.
        expect(response.headers.get('content-type')?.replace(/;\s*/g, '; ')).toBe('text/csv; charset=utf-8');
        expect(await response.text()).toBe(body);
      });

      it('gives a link to an object that does not exist, which GETs nothing', async () => {
        const response = await fetch(await store.presign(at('missing.csv'), 60));

        expect(response.status).toBe(404);
      });
    });
  });
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
