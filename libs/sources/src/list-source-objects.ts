import { parseS3Url, type ImportFormat, type ImportSource } from '@import-jobs/domain';
import { ObjectNotFoundError, ObjectRefusedError, type ObjectStore, type StoredObject } from './object-store';

/** One object an import reads: the exact version listed, so that every later read can insist on it. */
export interface SourceObject extends StoredObject {
  readonly compression: 'none' | 'gzip';
}

export interface ListSourceObjectsOptions {
  readonly format: ImportFormat;
  /** Objects per listed page; the store's own maximum unless a test wants many pages. */
  readonly pageSize?: number;
}

/** The extensions a prefix source keeps for each format, compared case-insensitively, each also with `.gz`. */
export const sourceFileExtensions: Readonly<Record<ImportFormat, readonly string[]>> = {
  CSV: ['.csv'],
  JSON: ['.json', '.ndjson', '.jsonl'],
};

const gzipExtension = '.gz';

/**
 * The objects a source names, each with the ETag and size of the version seen now. An `object`
 * source is that one object, whatever its extension. A `prefix` source is every object whose key
 * starts with the prefix (a plain string match, so every sub-folder too), keeping only files of
 * the job's format by extension; "folder" placeholder keys (ending in `/`) are skipped, empty files
 * are kept. A `.gz` extension means gzip. Lazy and paged: a prefix of millions of keys is never held.
 *
 * @throws ObjectNotFoundError naming the source's URL, or its bucket when that is what is missing.
 * @throws ObjectRefusedError for a URL that names no bucket, and the store's other errors.
 */
export async function* listSourceObjects(store: ObjectStore, source: ImportSource, { format, pageSize }: ListSourceObjectsOptions): AsyncGenerator<SourceObject> {
  const location = parseS3Url(source.url);
  if (!location) throw new ObjectRefusedError(`${source.url} is not an s3://bucket/key URL`);
  const asked = <T>(request: Promise<T>): Promise<T> => request.catch((error: unknown) => Promise.reject(namingTheSource(error, source.url, location.bucket)));
  if (source.type === 'object') {
    const object = await asked(store.head(location));
    yield { ...object, compression: compressionOf(object.key) };
    return;
  }
  let page: string | undefined;
  do {
    const listed = await asked(store.list(location.bucket, location.key, { ...(pageSize !== undefined && { pageSize }), ...(page !== undefined && { page }) }));
    for (const object of listed.objects) {
      if (object.key.endsWith('/') || !isFileOfFormat(object.key, format)) continue;
      yield { ...object, compression: compressionOf(object.key) };
    }
    page = listed.nextPage;
  } while (page !== undefined);
}

/** A missing bucket or object, said in terms of the URL the job's request gave. */
function namingTheSource(error: unknown, url: string, bucket: string): unknown {
  if (!(error instanceof ObjectNotFoundError)) return error;
  return new ObjectNotFoundError(error.missing === 'bucket' ? `bucket "${bucket}" of ${url} does not exist` : `${url} does not exist`, error.missing);
}

function compressionOf(key: string): SourceObject['compression'] {
  return key.toLowerCase().endsWith(gzipExtension) ? 'gzip' : 'none';
}

function isFileOfFormat(key: string, format: ImportFormat): boolean {
  const lowerCase = key.toLowerCase();
  const uncompressed = lowerCase.endsWith(gzipExtension) ? lowerCase.slice(0, -gzipExtension.length) : lowerCase;
  return sourceFileExtensions[format].some((extension) => uncompressed.endsWith(extension));
}
