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
  type Split,
  type SplitOptions,
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
  type ObjectVersion,
  type SourceObject,
} from '@import-jobs/sources';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import { uuidV5 } from '../import-job/uuid-v5';
import { inOrderConcurrently } from '../shared/in-order';
import { sampleAhead } from './sample-ahead';
import { StagingBudget } from './staging-budget';

export interface PlanImportDeps {
  readonly commands: ImportJobStreams;
  readonly objectStore: ObjectStore;
  /** A piece's byte range stays within this, unless one record alone is longer. */
  readonly targetPieceBytes: number;
  /** The service's own bucket, where a gzip file is decompressed into plain staging objects (`<jobId>/staging/…`). */
  readonly stagingBucket: string;
  /**
   * The most a job's gzip sources may decompress to in all, staged (what earlier runs of its
   * planning left staged included): past it the job fails (a decompression bomb, many of them, or
   * more than the service takes).
   */
  readonly maxStagedBytes: number;
}

/** What one run of planning shares among its files: the job's staging, listed once a gzip file needs it. */
interface PlanningRun extends PlanImportDeps {
  readonly stagingBudget: () => Promise<StagingBudget>;
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
  let budget: Promise<StagingBudget> | undefined;
  const stagingBudget = () => (budget ??= StagingBudget.listed(deps.objectStore, deps.stagingBucket, stagingPrefix(jobId), deps.maxStagedBytes));
  const run: PlanningRun = { ...deps, stagingBudget };
  const planned = inOrderConcurrently(objectsToPlan(definition, deps), filesPlannedAtOnce, ({ object, destinationTopic }) => planObject(jobId, object, destinationTopic, definition, run));
  for await (const { batches, bytes } of planned) {
    for await (const batch of batches) {
      for (const piece of batch) await record(chunker.add(piece));
      await record(chunker.atBatchEnd());
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
 * A gzip file is not read here: it is decompressed into staging objects as the plan reaches it.
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

/** One file of the plan, and where its records go. */
interface FileToPlan {
  readonly jobId: string;
  readonly object: SourceObject;
  readonly destinationTopic: string;
  readonly definition: Pick<ImportDefinition, 'format' | 'csv'>;
}

/**
 * A plain file is read once, whole: its first bytes settle its CSV dialect and go on, with the
 * rest, to `findSplits`. A gzip file is not read here (`stagedPieces`).
 */
async function planObject(
  jobId: string,
  object: SourceObject,
  destinationTopic: string,
  definition: Pick<ImportDefinition, 'format' | 'csv'>,
  deps: PlanningRun,
): Promise<PlannedFile> {
  const { objectStore, targetPieceBytes } = deps;
  const { size, compression } = object;
  const planned: FileToPlan = { jobId, object, destinationTopic, definition };
  const batchOf = (pieces: readonly PieceSpec[]): PlannedFile => ({ batches: once(pieces), bytes: () => size });
  if (size === 0) return batchOf([]);
  // A gzip stream cannot be entered in the middle: it is decompressed once, as the plan reaches it.
  if (compression === 'gzip') {
    const staging = { bytes: 0 };
    return { batches: stagedPieces(planned, staging, deps), bytes: () => staging.bytes };
  }
  const source = objectStore.read(versionOf(object), 'whole')[Symbol.asyncIterator]();
  try {
    const { file, sample, chunks } = await withDialect(source, definition);
    if (isUtf16(file?.dialect)) return batchOf([await wholeFilePiece(planned, file, sample)]);
    const splitPlan = await findSplits(chunks, splitOptionsOf(file, definition.format, targetPieceBytes));
    const csvHeader = file?.columns ?? splitPlan.csvHeader;
    return batchOf(splitPlan.splits.map((split) => filePiece(planned, file, split, csvHeader)));
  } catch (error) {
    throw sourceError(objectUrl(object), error);
  } finally {
    // Releases the read when the file was not read to its end (UTF-16, a fault).
    await source.return?.();
  }
}

/** The bytes of a file as it is stored, and for CSV its dialect, settled from its first bytes. */
interface FileWithDialect {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly file?: CsvFileDialect;
  readonly sample?: Uint8Array;
}

/**
 * A CSV file's dialect, from its first bytes (`dialectSampleBytes`, decompressed), read ahead of the
 * rest of the one read of it, which `chunks` then hands out from the first byte.
 */
async function withDialect(source: AsyncIterator<Uint8Array>, { format, csv }: Pick<ImportDefinition, 'format' | 'csv'>): Promise<FileWithDialect> {
  if (format !== 'CSV') return { chunks: { [Symbol.asyncIterator]: () => source } };
  const { sample, chunks } = await sampleAhead(source, dialectSampleBytes);
  return { file: settleFileDialect(csv ?? {}, sample), sample, chunks };
}

function splitOptionsOf(file: CsvFileDialect | undefined, format: ImportFormat, targetPieceBytes: number): SplitOptions {
  return { format, targetPieceBytes, ...(file !== undefined && { csv: { dialect: file.dialect, header: file.header } }) };
}

/** A piece of the file as it is stored: its bytes [start, end), read by the worker from the source itself. */
function filePiece({ jobId, object, destinationTopic }: FileToPlan, file: CsvFileDialect | undefined, { start, end, firstLine }: Split, csvHeader?: readonly string[]): PieceSpec {
  const { size, compression } = object;
  return {
    pieceId: pieceIdOf(jobId, object, destinationTopic, start),
    object: { ...versionOf(object), size },
    range: { start, end },
    compression,
    firstLine,
    ...(csvHeader !== undefined && { csvHeader }),
    ...(file !== undefined && { csv: file.dialect }),
    destinationTopic,
  };
}

/**
 * UTF-16 cannot be cut where a byte looks like a line end: the worker reads such a file whole (a
 * gzip one decompressing it), from line 1, and takes a CSV header from its first record.
 */
async function wholeFilePiece(planned: FileToPlan, file: CsvFileDialect | undefined, sample: Uint8Array | undefined): Promise<PieceSpec> {
  const columns = file && sample && (await columnsOfWholeFile(file, sample));
  return filePiece(planned, file, { start: 0, end: planned.object.size, firstLine: 1 }, columns);
}

function versionOf({ bucket, key, etag, versionId }: SourceObject): ObjectVersion {
  return { bucket, key, etag, ...(versionId !== undefined && { versionId }) };
}

/** A fault reading a source, as planning reports it. */
function sourceError(url: string, error: unknown): unknown {
  if (error instanceof CsvHeaderError) return new ObjectRefusedError(`${url}: ${error.message}`, { cause: error });
  // Gone since it was listed: a fresh listing decides whether the job still has it to import.
  if (error instanceof ObjectNotFoundError) return new ObjectChangedError(`${url} disappeared after it was listed`, { cause: error });
  if (error instanceof CorruptGzipError || error instanceof RecordTooLongToSplitError) return new ObjectRefusedError(`${url}: ${error.message}`, { cause: error });
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
 * A gzip file read once and decompressed, streaming (its first bytes settling its CSV dialect on
 * the way), into staging objects of about `targetPieceBytes` each, cut where a record starts
 * (`splitsWithBytes`), each planned as a plain piece: one batch per staging object, so that its
 * piece may go to work while the rest is still being decompressed, by every worker. Each piece
 * names the gzip file as its `origin`, and its first record's line in the file decompressed; its
 * id and staging key derive from the file's version and the split's offset, and an object's ETag
 * from its bytes, so staging the same file again (after a crash) plans the same pieces. Staging
 * past `maxStagedBytes` for the job fails it (`StagingBudget`: the files before this one count,
 * and what earlier runs staged); so does corrupt or truncated gzip, whose rows before the fault
 * may already be imported by then: the job says it failed, and why.
 */
async function* stagedPieces(
  planned: FileToPlan,
  staging: { bytes: number },
  { objectStore, stagingBucket, maxStagedBytes, stagingBudget, targetPieceBytes }: PlanningRun,
): AsyncGenerator<readonly PieceSpec[]> {
  const { jobId, object, destinationTopic, definition } = planned;
  const { bucket, key, etag } = object;
  const origin = versionOf(object);
  const folder = `${stagingPrefix(jobId)}${uuidV5(JSON.stringify([bucket, key, etag, destinationTopic]))}/`;
  async function* counted(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      staging.bytes += chunk.length;
      yield chunk;
    }
  }
  const budget = await stagingBudget();
  const stagedBefore = budget.heldBesides(folder);
  // No file alone may decompress past the bound either: the budget stops it as its pieces are
  // staged, this as it is inflated, whichever is first.
  const decompressed = gunzipChunks(objectStore.read(origin, 'whole'), { maxDecompressedBytes: maxStagedBytes })[Symbol.asyncIterator]();
  try {
    const { file, sample, chunks } = await withDialect(decompressed, definition);
    if (isUtf16(file?.dialect)) {
      staging.bytes = object.size;
      yield [await wholeFilePiece(planned, file, sample)];
      return;
    }
    for await (const { split, csvHeader, bytes } of splitsWithBytes(counted(chunks), splitOptionsOf(file, definition.format, targetPieceBytes))) {
      const stagingKey = `${folder}${String(split.start).padStart(15, '0')}`;
      if (!budget.take({ key: stagingKey, size: bytes.length })) throw stagingLimitExceeded(object, maxStagedBytes, stagedBefore);
      const staged = await objectStore.write({ bucket: stagingBucket, key: stagingKey }, once(bytes));
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
    if (error instanceof DecompressedSizeLimitError) throw stagingLimitExceeded(object, maxStagedBytes, stagedBefore);
    throw sourceError(objectUrl(object), error);
  } finally {
    await decompressed.return(undefined);
  }
}

/** A gzip file that takes its job's staging past `MAX_STAGED_BYTES`, alone or after what the job has staged already. */
function stagingLimitExceeded(object: SourceObject, maxStagedBytes: number, stagedBefore: number): ObjectRefusedError {
  const limit = `the most this service stages of one job's gzip sources (MAX_STAGED_BYTES)`;
  if (stagedBefore === 0) return new ObjectRefusedError(`${objectUrl(object)} decompresses to more than ${maxStagedBytes} bytes, ${limit}`);
  return new ObjectRefusedError(
    `${objectUrl(object)} decompresses to more than the ${maxStagedBytes - stagedBefore} bytes left of ${maxStagedBytes}, ${limit}: the job has ${stagedBefore} bytes staged already`,
  );
}

/** Removes a job's staging objects, a page of keys a request: the first page again, until none is left. */
export async function deleteStaging(objectStore: ObjectStore, stagingBucket: string, jobId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { objects, nextPage } = await objectStore.list(stagingBucket, stagingPrefix(jobId));
    await objectStore.deleteMany(stagingBucket, objects.map(({ key }) => key));
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

/** A file read whole by its worker: the columns it is given, or as many numbered ones as its first record has fields. */
async function columnsOfWholeFile(file: CsvFileDialect, sample: Uint8Array): Promise<readonly string[] | undefined> {
  if (file.header !== 'numbered') return file.columns;
  const asRead = { ...file.dialect, encoding: isUtf16(file.dialect) ? ('utf-8' as const) : file.dialect.encoding };
  const { csvHeader } = await findSplits(utf8Of(once(sample), file.dialect.encoding), { format: 'CSV', targetPieceBytes: Number.MAX_SAFE_INTEGER, csv: { dialect: asRead, header: 'numbered' } });
  return csvHeader;
}

function now(): string {
  return new Date().toISOString();
}
