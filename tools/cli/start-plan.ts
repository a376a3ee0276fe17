import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { RequestImportInput } from '@import-jobs/client';
import { formatOfName, type FileFormat, type LocalFile } from './upload-file';

/** Arguments that cannot work, found before anything is sent: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * One job `start` requests. S3 sources share one job, as in a JSON request; an upload is a job's
 * only source in the API, so each local file and each upload id is a job of its own.
 */
export type PlannedJob =
  | { readonly kind: 's3'; readonly sources: RequestImportInput['sources']; readonly format: FileFormat }
  | { readonly kind: 'file'; readonly file: LocalFile; readonly format: FileFormat }
  | { readonly kind: 'upload'; readonly uploadId: string; readonly format: FileFormat | undefined };

export interface StartArguments {
  /** Local paths and URLs, in the order given; paths already resolved against the caller's folder. */
  readonly sources: ReadonlyArray<{ readonly given: string; readonly path: string }>;
  readonly uploadIds: readonly string[];
  readonly format: FileFormat | undefined;
}

/** `s3://…` and any other URL go to the API as they are; it names what it accepts. */
const isUrl = (source: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source);

/** The jobs to request, with every file checked and every format told, or a `UsageError`. */
export async function planJobs({ sources, uploadIds, format }: StartArguments): Promise<PlannedJob[]> {
  if (sources.length === 0 && uploadIds.length === 0) throw new UsageError('name what to import: local files or s3:// URLs, or --upload-id');
  const urls = sources.filter(({ given }) => isUrl(given)).map(({ given }) => given);
  const files = await Promise.all(sources.filter(({ given }) => !isUrl(given)).map(({ given, path }) => localFile(given, path)));
  const jobs: PlannedJob[] = [];
  if (urls.length > 0) {
    jobs.push({
      kind: 's3',
      sources: urls.map((url) => ({ url, type: url.endsWith('/') ? ('prefix' as const) : ('object' as const) })),
      format: format ?? formatOfUrls(urls),
    });
  }
  for (const file of files) {
    const told = format ?? formatOfName(file.name);
    if (told === undefined) {
      throw new UsageError(`cannot tell the format of ${file.name} from its name (.csv, .ndjson, .jsonl or .json, each optionally .gz): give --format`);
    }
    jobs.push({ kind: 'file', file, format: told });
  }
  // Without --format the service tells an upload's format from the name it was started with.
  jobs.push(...uploadIds.map((uploadId) => ({ kind: 'upload' as const, uploadId, format })));
  return jobs;
}

async function localFile(given: string, path: string): Promise<LocalFile> {
  const found = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${given}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!found.isFile()) throw new UsageError(`${given} is not a file`);
  return { path, name: basename(path), size: found.size };
}

/** The format the objects' names agree on; CSV when none tells (a prefix names no file). */
function formatOfUrls(urls: readonly string[]): FileFormat {
  const told = new Set(urls.map((url) => formatOfName(url)).filter((format) => format !== undefined));
  if (told.size > 1) throw new UsageError('the S3 objects’ names tell different formats, and one job reads one: give --format, or start them apart');
  return [...told][0] ?? 'CSV';
}
