import {
  DomainError,
  IllegalStateError,
  type ImportDefinition,
  type ImportFormat,
  type ImportJob,
  type ImportJobDetails,
  type ImportSource,
  type JobFailureReason,
  type PieceSpec,
  type CsvDialect,
  PlanChunker,
} from '@import-jobs/domain';
import {
  CorruptGzipError,
  CsvHeaderError,
  DecompressedSizeLimitError,
  dialectSampleBytes,
  findSplits,
  gunzipChunks,
  RecordTooLongToSplitError,
  settleFileDialect,
  splitsWithBytes,
  utf8Of,
  type CsvFileDialect,
} from '@import-jobs/formats';
import {
  listSourceObjects,
  ObjectAccessDeniedError,
  ObjectChangedError,
  ObjectNotFoundError,
  ObjectRefusedError,
  objectUrl,
  sourceFileExtensions,
  type ObjectStore,
  type SourceObject,
} from '@import-jobs/sources';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import { uuidV5 } from '../import-job/uuid-v5';
import { inOrderConcurrently } from '../shared/in-order';

export interface PlanImportDeps {
  readonly commands: ImportJobStreams;
  readonly objectStore: ObjectStore;
  /** A piece's byte range stays within this, unless one record alone is longer. */
  readonly targetPieceBytes: number;
  /** The service's own bucket, where a gzip file is decompressed into plain staging objects (`<jobId>/staging/…`). */
  readonly stagingBucket: string;
  /** A gzip file decompressing to more than this fails its job (a decompression bomb, or more than the service takes). */
  readonly maxStagedBytes: number;
}

export type PlanImportOutcome =
  | { readonly kind: 'planned'; readonly pieces: number; readonly files: number; readonly totalBytes: number }
  | { readonly kind: 'failed'; readonly reason: JobFailureReason }
  /** Another planner, a redelivery or a cancellation got there first: there is nothing left to do. */
  | { readonly kind: 'skipped'; readonly reason: string };

/** One planned file: its pieces, in batches that end where a chunk of the plan may close early. */
interface PlannedFile {
  readonly batches: AsyncIterable<readonly PieceSpec[]>;
  /**
   * The bytes its pieces read, known once its batches are: its size, or for a gzip file its size
   * decompressed, which is what its staged pieces read and count as processed.
   */
  readonly bytes: () => number;
}

/** A prefix source that names no file of the job's format: the job has nothing to import from it. */
class NoMatchingFilesError extends Error {
  constructor(source: ImportSource, format: ImportFormat) {
    const extensions = sourceFileExtensions[format].join(', ');
    super(`${source.url} holds no ${format} file (${extensions}, each optionally .gz)`);
  }
}

/**
 * Plans a requested job: lists every source, reads each object once (pinned by `If-Match` to the
 * listed ETag, chunk by chunk) to cut it into pieces at record boundaries (a gzip file decompressed
 * into staging objects, `stagedPieces`), and records the plan in chunks of bounded size as it is
 * found, each chunk's pieces work for the job at once.
 *
 * Safe to run again for the same job, after a crash or beside another planner: piece ids derive from
 * the job, the object version, the destination and the piece's start, so a second run builds the
 * same plan, which the job accepts as a repeat. A different plan (an object changed between the two
 * runs) is refused: once the first plan is complete, it stands; while it is still partly recorded,
 * the job fails, since neither plan can be completed.
 *
 * A missing source, a prefix without a file of the format and an unusable CSV header fail the job.
 * Transient faults (S3 or the event store away, an object that changed since it was listed) are
 * thrown for the caller to retry.
 */
export async function planImport(jobId: string, deps: PlanImportDeps): Promise<PlanImportOutcome> {
  let job: ImportJob;
  try {
    ({ job } = await deps.commands.execute({ type: 'StartPlanning.v1', data: { jobId }, metadata: { now: now() } }));
  } catch (error) {
    if (error instanceof IllegalStateError) return { kind: 'skipped', reason: error.message };
    throw error;
  }
  try {
    return await recordPlan(jobId, (job as ImportJobDetails).definition, deps);
  } catch (error) {
    const reason = jobFailureReason(error);
    if (reason !== undefined) return failPlanning(jobId, reason, deps.commands);
    if (!(error instanceof IllegalStateError)) throw error;
    // Still planning, yet the plan is refused: a chunk recorded before (by this planner before a
    // crash, or by another) differs from this plan's, or holds pieces this plan does not. The
    // sources changed under the job, and the chunks recorded name objects or versions that are
    // gone: no plan can be completed consistently from here.
    if (error.code === 'PLAN_ALREADY_RECORDED' && error.status === 'Planning') {
      return failPlanning(jobId, { code: 'PLANNING_FAILED', message: `the sources changed while the job was being planned: ${error.message}` }, deps.commands);
    }
    // Cancelled, or failed, while this planner read: the job is over, or its finisher ends it. What
    // this planner staged after the job ended is removed here, since the finisher has been already.
    if (error.code === 'JOB_ALREADY_FINISHED') await deleteStaging(deps.objectStore, deps.stagingBucket, jobId);
    return { kind: 'skipped', reason: error.message };
  }
}

/**
 * Records the plan as it is found, chunk by chunk (`PlanChunker`), each in an append of its own and
 * so at once work for the job (`piecesInTurn`), then its totals: what is held is a chunk and the
 * files being read, not the plan. Planning the same object versions again cuts the same pieces into
 * the same chunks, so a run after a crash repeats the chunks already recorded (the job takes each
 * once) and goes on from the first one missing.
 */
async function recordPlan(jobId: string, definition: ImportDefinition, deps: PlanImportDeps): Promise<PlanImportOutcome> {
  const { commands } = deps;
  const chunker = new PlanChunker();
  let recorded = 0;
  const record = async (pieces: PieceSpec[] | undefined): Promise<void> => {
    if (pieces === undefined) return;
    await commands.execute({ type: 'RecordPlannedPieces.v1', data: { jobId, chunk: chunker.chunksClosed - 1, pieces }, metadata: { now: now() } });
    recorded += pieces.length;
  };
  let files = 0;
  let totalBytes = 0;
  const planned = inOrderConcurrently(objectsToPlan(definition, deps), filesPlannedAtOnce, ({ object, destinationTopic }) => planObject(jobId, object, destinationTopic, definition, deps));
  for await (const { batches, bytes } of planned) {
    for await (const batch of batches) {
      for (const piece of batch) await record(chunker.add(piece));
      await record(chunker.atFileEnd());
    }
    files++;
    totalBytes += bytes();
  }
  await record(chunker.end());
  await commands.execute({ type: 'CompletePlan.v1', data: { jobId, pieces: recorded, files, totalBytes }, metadata: { now: now() } });
  return { kind: 'planned', pieces: recorded, files, totalBytes };
}

/** Fails the job for a reason found while planning, unless it has meanwhile ended or been cancelled. */
export async function failPlanning(jobId: string, reason: JobFailureReason, commands: ImportJobStreams): Promise<PlanImportOutcome> {
  try {
    await commands.execute({ type: 'FailImport.v1', data: { jobId, reason }, metadata: { now: now() } });
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'skipped', reason: `could not fail the job (${reason.message}): ${error.message}` };
    throw error;
  }
  return { kind: 'failed', reason };
}

function jobFailureReason(error: unknown): JobFailureReason | undefined {
  if (error instanceof ObjectNotFoundError) return { code: 'SOURCE_NOT_FOUND', message: error.message };
  if (error instanceof NoMatchingFilesError) return { code: 'NO_MATCHING_FILES', message: error.message };
  if (error instanceof ObjectRefusedError || error instanceof ObjectAccessDeniedError) return { code: 'SOURCE_UNREADABLE', message: error.message };
  return undefined;
}

/**
 * Files planned at once: each is read whole to find its record boundaries, so a prefix of many small
 * files waits mostly on the object store's answers, which overlap; the plan keeps the listing order.
 * A gzip file is only sampled here: it is decompressed into staging objects as the plan reaches it.
 */
const filesPlannedAtOnce = 8;

/** Every object of every source, listed page by page, with the topic its records go to. */
async function* objectsToPlan(definition: ImportDefinition, deps: PlanImportDeps): AsyncGenerator<{ object: SourceObject; destinationTopic: string }> {
  // Overlapping sources (a prefix and a folder inside it) name some objects twice: import them once
  // per destination, which also keeps piece ids unique.
  const planned = new Set<string>();
  for (const source of definition.sources) {
    const destinationTopic = source.destination ?? definition.destinationTopic;
    let listed = 0;
    for await (const object of listSourceObjects(deps.objectStore, source, { format: definition.format })) {
      listed++;
      const identity = JSON.stringify([object.bucket, object.key, destinationTopic]);
      if (planned.has(identity)) continue;
      planned.add(identity);
      yield { object, destinationTopic };
    }
    if (listed === 0) throw new NoMatchingFilesError(source, definition.format);
  }
}

async function planObject(
  jobId: string,
  object: SourceObject,
  destinationTopic: string,
  { format, csv }: Pick<ImportDefinition, 'format' | 'csv'>,
  deps: PlanImportDeps,
): Promise<PlannedFile> {
  const { objectStore, targetPieceBytes } = deps;
  const { bucket, key, etag, versionId, size, compression } = object;
  const url = objectUrl(object);
  const batchOf = (pieces: readonly PieceSpec[]): PlannedFile => ({ batches: once(pieces), bytes: () => size });
  if (size === 0) return batchOf([]);
  const pieceAt = (start: number, end: number, firstLine: number, csvHeader?: readonly string[]): PieceSpec => ({
    pieceId: pieceIdOf(jobId, object, destinationTopic, start),
    object: { bucket, key, etag, ...(versionId !== undefined && { versionId }), size },
    range: { start, end },
    compression,
    firstLine,
    ...(csvHeader !== undefined && { csvHeader }),
    ...(file !== undefined && { csv: file.dialect }),
    destinationTopic,
  });
  let file: CsvFileDialect | undefined;
  try {
    const sample = format === 'CSV' ? await sampleOf(object, objectStore) : undefined;
    file = sample && settleFileDialect(csv ?? {}, sample);
    const splitOptions = { format, targetPieceBytes, ...(file !== undefined && { csv: { dialect: file.dialect, header: file.header } }) };
    // UTF-16 cannot be cut where a byte looks like a line end: the worker reads such a file whole,
    // from line 1, and takes a CSV header from its first record.
    if (isUtf16(file?.dialect)) return batchOf([pieceAt(0, size, 1, file && sample && (await columnsOfWholeFile(file, sample)))]);
    // A gzip stream cannot be entered in the middle: it is decompressed once, as the plan reaches it.
    if (compression === 'gzip') {
      const staging = { splitOptions, file, decompressedBytes: 0 };
      return { batches: stagedPieces(jobId, object, destinationTopic, staging, deps), bytes: () => staging.decompressedBytes };
    }
    const splitPlan = await findSplits(objectStore.read({ bucket, key, etag, versionId }, 'whole'), splitOptions);
    const csvHeader = file?.columns ?? splitPlan.csvHeader;
    return batchOf(splitPlan.splits.map(({ start, end, firstLine }) => pieceAt(start, end, firstLine, csvHeader)));
  } catch (error) {
    throw sourceError(url, error);
  }
}

/** A fault reading a source, as planning reports it. */
function sourceError(url: string, error: unknown): unknown {
  if (error instanceof CsvHeaderError) return new ObjectRefusedError(`${url}: ${error.message}`, { cause: error });
  // Gone since it was listed: a fresh listing decides whether the job still has it to import.
  if (error instanceof ObjectNotFoundError) return new ObjectChangedError(`${url} disappeared after it was listed`, { cause: error });
  if (error instanceof CorruptGzipError || error instanceof RecordTooLongToSplitError) return new ObjectRefusedError(`${url}: ${error.message}`, { cause: error });
  if (error instanceof DecompressedSizeLimitError) {
    return new ObjectRefusedError(`${url} decompresses to more than ${error.maxDecompressedBytes} bytes, the most this service stages of one gzip file (MAX_STAGED_BYTES)`, { cause: error });
  }
  return error;
}

function pieceIdOf(jobId: string, { bucket, key, etag }: SourceObject, destinationTopic: string, start: number): string {
  return uuidV5(JSON.stringify([jobId, bucket, key, etag, destinationTopic, start]));
}

/** Where a job's staging objects are: deleted, with everything under it, when the job ends. */
export function stagingPrefix(jobId: string): string {
  return `${jobId}/staging/`;
}

/**
 * A gzip file decompressed, streaming, into staging objects of about `targetPieceBytes` each, cut
 * where a record starts (`splitsWithBytes`), each planned as a plain piece: one batch per staging
 * object, so that its piece may go to work while the rest is still being decompressed, by every
 * worker. Each piece names the gzip file as its `origin`, and its first record's line in the file
 * decompressed; its id and staging key derive from the file's version and the split's offset, and
 * an object's ETag from its bytes, so staging the same file again (after a crash) plans the same
 * pieces. Decompressing past `maxStagedBytes` fails the job; so does corrupt or truncated gzip,
 * whose rows before the fault may already be imported by then: the job says it failed, and why.
 */
async function* stagedPieces(
  jobId: string,
  object: SourceObject,
  destinationTopic: string,
  staging: { readonly splitOptions: Parameters<typeof splitsWithBytes>[1]; readonly file: CsvFileDialect | undefined; decompressedBytes: number },
  { objectStore, stagingBucket, maxStagedBytes }: PlanImportDeps,
): AsyncGenerator<readonly PieceSpec[]> {
  const { splitOptions, file } = staging;
  const { bucket, key, etag, versionId } = object;
  const origin = { bucket, key, etag, ...(versionId !== undefined && { versionId }) };
  const folder = `${stagingPrefix(jobId)}${uuidV5(JSON.stringify([bucket, key, etag, destinationTopic]))}/`;
  async function* counted(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      staging.decompressedBytes += chunk.length;
      yield chunk;
    }
  }
  const decompressed = counted(gunzipChunks(objectStore.read({ bucket, key, etag, versionId }, 'whole'), { maxDecompressedBytes: maxStagedBytes }));
  try {
    for await (const { split, csvHeader, bytes } of splitsWithBytes(decompressed, splitOptions)) {
      const staged = await objectStore.write({ bucket: stagingBucket, key: `${folder}${String(split.start).padStart(15, '0')}` }, once(bytes));
      const columns = file?.columns ?? csvHeader;
      yield [
        {
          pieceId: pieceIdOf(jobId, object, destinationTopic, split.start),
          // No version id: staging the same bytes again makes a new version, with the same ETag.
          object: { bucket: staged.bucket, key: staged.key, etag: staged.etag, size: bytes.length },
          range: { start: 0, end: bytes.length },
          compression: 'none',
          firstLine: split.firstLine,
          ...(columns !== undefined && { csvHeader: columns }),
          ...(file !== undefined && { csv: file.dialect }),
          destinationTopic,
          origin,
        },
      ];
    }
  } catch (error) {
    throw sourceError(objectUrl(object), error);
  }
}

/** Removes a job's staging objects, page by page: the first page again, until none is left. */
export async function deleteStaging(objectStore: ObjectStore, stagingBucket: string, jobId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { objects, nextPage } = await objectStore.list(stagingBucket, stagingPrefix(jobId));
    for (const { key } of objects) await objectStore.delete({ bucket: stagingBucket, key });
    deleted += objects.length;
    if (nextPage === undefined || objects.length === 0) return deleted;
  }
}

async function* once<T>(item: T): AsyncGenerator<T> {
  yield item;
}

function isUtf16(dialect: CsvDialect | undefined): boolean {
  return dialect?.encoding === 'utf-16le' || dialect?.encoding === 'utf-16be';
}

/**
 * The first bytes of a file, decompressed: enough to find its encoding and delimiter. A gzip file
 * is inflated only as far as that.
 */
async function sampleOf({ bucket, key, etag, versionId, size, compression }: SourceObject, objectStore: ObjectStore): Promise<Uint8Array> {
  const version = { bucket, key, etag, versionId };
  if (compression === 'none') return Buffer.concat(await collected(objectStore.read(version, { start: 0, end: Math.min(size, dialectSampleBytes) })));
  const parts: Uint8Array[] = [];
  let bytes = 0;
  try {
    for await (const chunk of gunzipChunks(objectStore.read(version, 'whole'), { maxDecompressedBytes: Number.MAX_SAFE_INTEGER })) {
      parts.push(chunk);
      bytes += chunk.length;
      if (bytes >= dialectSampleBytes) break;
    }
  } catch (error) {
    // Staging reads the file whole, and fails the job with the reason.
    if (!(error instanceof CorruptGzipError)) throw error;
  }
  return Buffer.concat(parts).subarray(0, dialectSampleBytes);
}

/** A file read whole by its worker: the columns it is given, or as many numbered ones as its first record has fields. */
async function columnsOfWholeFile(file: CsvFileDialect, sample: Uint8Array): Promise<readonly string[] | undefined> {
  if (file.header !== 'numbered') return file.columns;
  const asRead = { ...file.dialect, encoding: isUtf16(file.dialect) ? ('utf-8' as const) : file.dialect.encoding };
  const { csvHeader } = await findSplits(utf8Of(once(sample), file.dialect.encoding), { format: 'CSV', targetPieceBytes: Number.MAX_SAFE_INTEGER, csv: { dialect: asRead, header: 'numbered' } });
  return csvHeader;
}

async function collected(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts;
}

function now(): string {
  return new Date().toISOString();
}
