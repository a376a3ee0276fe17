import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';
import { ApiModule } from '@import-jobs/wiring/api.module';
import { ProjectorModule } from '@import-jobs/wiring/projector.module';
import { importJobStreamId } from '@import-jobs/domain';
import type { EventStore } from '@import-jobs/event-store';
import { AppProcess } from '../../../tools/resilience/app-process';
import type { JobResource } from '@import-jobs/read-model';
import { duplicatesExplained, tallyKeys, type KeyTally } from '../../../tools/resilience/key-tally';
import { amountSchema, type NumberedCsv } from '../../../tools/resilience/numbered-csv';
import type { PipelineSuite } from '../../pipeline/support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from '../../pipeline/support/topics';

export { amountSchema, numberedCsv, type NumberedCsv } from '../../../tools/resilience/numbered-csv';

/** The api and the projector in the test's process; the workers run as processes of their own, to be killed. */
@Module({ imports: [InfrastructureModule, ApiModule, ProjectorModule] })
export class ApiAndProjectorModule {}

/**
 * A worker process that joins the file's pipeline app: the harness's servers and the app's own
 * topics, schemas and bucket are in process.env already (startPipelineApp put them there). A short
 * session lets the group give a killed worker's partitions away in seconds rather than 30.
 */
export function startChildWorker(name: string, env: Record<string, string> = {}): AppProcess {
  return AppProcess.start(name, {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    // A transaction a killed worker left open is aborted by the broker after this long, when no
    // new holder of its partition fences it first (seen: a destination's end marker held back).
    KAFKA_TRANSACTION_TIMEOUT_MS: '20000',
    LOG_LEVEL: 'warn',
    ...env,
  });
}

/** Stops the workers a test left running; a crash test's workers need no grace. */
export async function killAll(workers: readonly AppProcess[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
}

export interface StreamTally {
  readonly settledPieces: number;
  readonly terminalEvents: number;
}

const terminalTypes = new Set(['ImportCompleted.v1', 'JobFailed.v1', 'ImportCancelled.v1']);
const settledTypes = new Set(['PieceCompleted.v1', 'PieceFailed.v1', 'PieceCancelled.v1']);

/** What the job's own stream holds: the source of truth, ahead of the read model. */
export async function tallyStream(store: EventStore, jobId: string): Promise<StreamTally> {
  const events = await store.readStream(importJobStreamId(jobId));
  return {
    settledPieces: events.filter((event) => settledTypes.has(event.type)).length,
    terminalEvents: events.filter((event) => terminalTypes.has(event.type)).length,
  };
}

/**
 * Puts `file` in the suite's source bucket and imports it into a new one-partition topic; resolves
 * once the job is planned, into more pieces than a worker life takes.
 */
export async function startNumberedJob(suite: PipelineSuite, tag: string, file: NumberedCsv): Promise<{ jobId: string; destinationTopic: string; pieces: number }> {
  const { api, messaging, sources, jobIds } = suite;
  const url = await sources.put(`${tag}.csv`, file.body);
  const destinationTopic = await createDestinationTopic(messaging, tag);
  const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id', schema: amountSchema });
  jobIds.push(jobId);
  const { pieces } = await api.waitForStatus(jobId, 'Processing');
  if (pieces.total <= 10) throw new Error(`job ${jobId} has ${pieces.total} pieces: too few to stop a worker mid-job`);
  return { jobId, destinationTopic, pieces: pieces.total };
}

/**
 * Waits for the job to finish, then checks what the crash and fault suites promise: it completed,
 * with each piece settled once and one terminal event, counting every row of the file, and a
 * read_committed reader of its destination finds every valid row exactly once.
 */
export async function expectImportedExactlyOnce(
  suite: PipelineSuite,
  { jobId, destinationTopic, file }: { jobId: string; destinationTopic: string; file: NumberedCsv },
  { timeoutMs = 180_000, explain }: { timeoutMs?: number; explain?: () => string } = {},
): Promise<{ job: JobResource; tally: KeyTally }> {
  const job = await suite.api.waitUntilFinished(jobId, timeoutMs).catch((error: Error) => {
    throw explain ? new Error(`${error.message}\n${explain()}`, { cause: error }) : error;
  });
  if (job.status !== 'Completed') {
    throw new Error(`job ${jobId} ended ${job.status}, not Completed: ${JSON.stringify(job.failureReason)}${explain ? `\n${explain()}` : ''}`);
  }
  const delivered = await readCommittedUntilNow(suite.messaging, destinationTopic);
  const tally = tallyKeys(file.validKeys, delivered.map((message) => message.key));
  if (tally.duplicated > 0) throw new Error(`${tally.duplicated} records of job ${jobId} are on ${destinationTopic} twice: ${duplicatesExplained(delivered)}`);
  expect(await tallyStream(suite.pipeline.store, jobId)).toEqual({ settledPieces: job.pieces.total, terminalEvents: 1 });
  expect(tally).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, checksum: tally.expectedChecksum });
  expect(job.rows).toEqual({ processed: file.rows, failed: file.invalidRows, imported: file.validKeys.length });
  return { job, tally };
}

