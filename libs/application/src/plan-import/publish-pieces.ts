import { workToPublish, type PlannedWork } from '@import-jobs/domain';
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
 * Sends the job's work items (`workToPublish`: one per piece still pending) to the pieces topic,
 * keyed by piece id: a job's pieces have no order among them, so the key only spreads them over
 * every partition, and so over every worker of the group. (Keyed by job, a whole job would land on
 * one partition and one worker.) Safe to run again: a redelivered ImportPlanned sends the pending
 * pieces once more, and a piece's result is counted once however often the piece is delivered.
 */
export async function publishPieces(jobId: string, { commands, producer, topics }: PublishPiecesDeps): Promise<PublishPiecesOutcome> {
  const { job } = await commands.load(jobId);
  const decision = workToPublish(job);
  if (decision.kind === 'skip') return { kind: 'skipped', reason: `job ${jobId} is ${decision.status}` };
  const messages = decision.work.map((work) => workItemMessage(work, topics.pieces));
  for (const batch of batchesWithin(messages, maxSendBytes)) await producer.send(batch);
  return { kind: 'published', pieces: messages.length };
}

type JsonMessage = OutgoingMessage & { readonly value: string };

/** A planned piece's work as it travels on the pieces topic. */
export function workItemOf(work: PlannedWork): PieceWorkItem {
  return { type: 'PieceWorkItem', version: 1, ...work };
}

function workItemMessage(work: PlannedWork, topic: string): JsonMessage {
  return { topic, key: work.piece.pieceId, value: pieceWorkItemCodec.encode(workItemOf(work)) };
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
