import type { ImportJobDetails, PieceSpec } from '@import-jobs/domain';
import { pieceWorkItemCodec, type ImportJobTopics, type MessageProducer, type OutgoingMessage, type PieceWorkItem } from '@import-jobs/messaging';
import type { ImportJobCommands } from '../import-job/import-job-commands';

export interface PublishPiecesDeps {
  readonly commands: ImportJobCommands;
  readonly producer: MessageProducer;
  readonly topics: Pick<ImportJobTopics, 'pieces'>;
}

export type PublishPiecesOutcome =
  | { readonly kind: 'published'; readonly pieces: number }
  | { readonly kind: 'skipped'; readonly reason: string };

// Kafka refuses a request whose batch for one partition exceeds the broker's message.max.bytes
// (1 MiB by default), and every work item carries the job's schema: a plan of thousands of pieces
// goes out in several sends.
const maxSendBytes = 512 * 1024;

/**
 * Sends one work item per piece still pending to the pieces topic, keyed by piece id: a job's pieces
 * have no order among them, so the key only spreads them over every partition, and so over every
 * worker of the group. (Keyed by job, a whole job would land on one partition and one worker.)
 *
 * Safe to run again: a redelivered ImportPlanned sends the pieces that are still pending once more,
 * and a piece's result is counted once however often the piece is delivered. A job that is failing
 * or over gets nothing; a cancelling one still gets its pieces, since each must be settled (as
 * cancelled) before the job can end.
 */
export async function publishPieces(jobId: string, { commands, producer, topics }: PublishPiecesDeps): Promise<PublishPiecesOutcome> {
  const { job } = await commands.load(jobId);
  if (job.status !== 'Processing' && job.status !== 'Cancelling') return { kind: 'skipped', reason: `job ${jobId} is ${job.status}` };
  const pending = (job.plan ?? []).filter((piece) => job.pieces.get(piece.pieceId) === 'pending');
  const messages = pending.map((piece) => workItemMessage(job, piece, topics.pieces));
  for (const batch of batchesWithin(messages, maxSendBytes)) await producer.send(batch);
  return { kind: 'published', pieces: pending.length };
}

type JsonMessage = OutgoingMessage & { readonly value: string };

/** The work item of a planned piece: all a worker needs, taken from the job as it was planned. */
export function workItemOf(job: ImportJobDetails, piece: PieceSpec): PieceWorkItem {
  const { format, keyField, schema } = job.definition;
  return { type: 'PieceWorkItem', version: 1, jobId: job.jobId, tenantId: job.tenantId, format, keyField, schema, piece };
}

function workItemMessage(job: ImportJobDetails, piece: PieceSpec, topic: string): JsonMessage {
  return { topic, key: piece.pieceId, value: pieceWorkItemCodec.encode(workItemOf(job, piece)) };
}

function* batchesWithin(messages: readonly JsonMessage[], maxBytes: number): Generator<JsonMessage[]> {
  let batch: JsonMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.value);
    if (batch.length > 0 && bytes + size > maxBytes) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
