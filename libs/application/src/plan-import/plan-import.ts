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
  planChunks,
} from '@import-jobs/domain';
import { CorruptGzipError, CsvHeaderError, dialectSampleBytes, findSplits, gunzipChunks, settleFileDialect, utf8Of, type CsvFileDialect } from '@import-jobs/formats';
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
}

export type PlanImportOutcome =
  | { readonly kind: 'planned'; readonly pieces: number; readonly files: number; readonly totalBytes: number }
  | { readonly kind: 'failed'; readonly reason: JobFailureReason }
  /** Another planner, a redelivery or a cancellation got there first: there is nothing left to do. */
  | { readonly kind: 'skipped'; readonly reason: string };

interface Plan {
  readonly pieces: readonly PieceSpec[];
  readonly files: number;
  readonly totalBytes: number;
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
 * listed ETag, chunk by chunk) to cut it into pieces at record boundaries, and records the plan in
 * chunks of bounded size.
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
  let plan: Plan;
  try {
    plan = await planSources(jobId, (job as ImportJobDetails).definition, deps);
  } catch (error) {
    const reason = jobFailureReason(error);
    if (reason === undefined) throw error;
    return failPlanning(jobId, reason, deps.commands);
  }
  try {
    await recordPlan(jobId, plan, deps.commands);
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
    // Still planning, yet the plan is refused: a chunk recorded before (by this planner before a
    // crash, or by another) differs from this plan's, or holds pieces this plan does not. The
    // sources changed under the job, and the chunks recorded name objects or versions that are
    // gone: no plan can be completed consistently from here.
    if (error.code === 'PLAN_ALREADY_RECORDED' && error.status === 'Planning') {
      return failPlanning(jobId, { code: 'PLANNING_FAILED', message: `the sources changed while the job was being planned: ${error.message}` }, deps.commands);
    }
    return { kind: 'skipped', reason: error.message };
  }
  return { kind: 'planned', pieces: plan.pieces.length, files: plan.files, totalBytes: plan.totalBytes };
}

/**
 * Records the plan chunk by chunk, each in an append of its own, then its totals. Planning the same
 * object versions again cuts the same pieces into the same chunks, so a run after a crash repeats
 * the chunks already recorded (the job takes each once) and goes on from the first one missing.
 */
async function recordPlan(jobId: string, { pieces, files, totalBytes }: Plan, commands: ImportJobStreams): Promise<void> {
  for (const [chunk, chunkPieces] of planChunks(pieces).entries()) {
    await commands.execute({ type: 'RecordPlannedPieces.v1', data: { jobId, chunk, pieces: chunkPieces }, metadata: { now: now() } });
  }
  await commands.execute({ type: 'CompletePlan.v1', data: { jobId, pieces: pieces.length, files, totalBytes }, metadata: { now: now() } });
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
 */
const filesPlannedAtOnce = 8;

async function planSources(jobId: string, definition: ImportDefinition, deps: PlanImportDeps): Promise<Plan> {
  const pieces: PieceSpec[] = [];
  let files = 0;
  let totalBytes = 0;
  const planned = inOrderConcurrently(objectsToPlan(definition, deps), filesPlannedAtOnce, async ({ object, destinationTopic }) => {
    const objectPieces = await planObject(jobId, object, destinationTopic, definition, deps);
    return { objectPieces, size: object.size };
  });
  for await (const { objectPieces, size } of planned) {
    pieces.push(...objectPieces);
    files++;
    totalBytes += size;
  }
  return { pieces, files, totalBytes };
}

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
): Promise<PieceSpec[]> {
  const { objectStore, targetPieceBytes } = deps;
  const { bucket, key, etag, versionId, size, compression } = object;
  const url = objectUrl(object);
  if (size === 0) return [];
  const sample = format === 'CSV' ? await sampleOf(object, objectStore) : undefined;
  const file = sample && settleFileDialect(csv ?? {}, sample);
  const pieceAt = (start: number, end: number, firstLine: number, csvHeader?: readonly string[]): PieceSpec => ({
    pieceId: uuidV5(JSON.stringify([jobId, bucket, key, etag, destinationTopic, start])),
    object: { bucket, key, etag, ...(versionId !== undefined && { versionId }), size },
    range: { start, end },
    compression,
    firstLine,
    ...(csvHeader !== undefined && { csvHeader }),
    ...(file !== undefined && { csv: file.dialect }),
    destinationTopic,
  });
  try {
    // A gzip stream cannot be entered in the middle, nor UTF-16 cut where a byte looks like a line
    // end: the worker reads such a file whole, from line 1, and takes a CSV header from its first record.
    if (compression === 'gzip' || isUtf16(file?.dialect)) return [pieceAt(0, size, 1, file && sample && (await columnsOfWholeFile(file, sample)))];
    const splitPlan = await findSplits(objectStore.read({ bucket, key, etag, versionId }, 'whole'), {
      format,
      targetPieceBytes,
      ...(file !== undefined && { csv: { dialect: file.dialect, header: file.header } }),
    });
    const csvHeader = file?.columns ?? splitPlan.csvHeader;
    return splitPlan.splits.map(({ start, end, firstLine }) => pieceAt(start, end, firstLine, csvHeader));
  } catch (error) {
    if (error instanceof CsvHeaderError) throw new ObjectRefusedError(`${url}: ${error.message}`, { cause: error });
    // Gone since it was listed: a fresh listing decides whether the job still has it to import.
    if (error instanceof ObjectNotFoundError) throw new ObjectChangedError(`${url} disappeared after it was listed`, { cause: error });
    throw error;
  }
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
    // The worker reads the file whole and fails its piece with the reason; the plan stands.
    if (!(error instanceof CorruptGzipError)) throw error;
  }
  return Buffer.concat(parts).subarray(0, dialectSampleBytes);
}

/** A file read whole by its worker: the columns it is given, or as many numbered ones as its first record has fields. */
async function columnsOfWholeFile(file: CsvFileDialect, sample: Uint8Array): Promise<readonly string[] | undefined> {
  if (file.header !== 'numbered') return file.columns;
  const asRead = { ...file.dialect, encoding: isUtf16(file.dialect) ? ('utf-8' as const) : file.dialect.encoding };
  const { csvHeader } = await findSplits(utf8Of(chunksOf(sample), file.dialect.encoding), { format: 'CSV', targetPieceBytes: Number.MAX_SAFE_INTEGER, csv: { dialect: asRead, header: 'numbered' } });
  return csvHeader;
}

async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function collected(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts;
}

function now(): string {
  return new Date().toISOString();
}
