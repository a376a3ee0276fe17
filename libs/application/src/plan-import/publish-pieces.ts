import { piecesInTurn, type PiecesOut, type PlannedWork } from '@import-jobs/domain';
import { type MessageProducer, type OutgoingMessage } from '@import-jobs/messaging';
import { pieceWorkItemCodec, type ImportJobTopics, type PieceWorkItem } from '../messages';
import type { ImportJobStreams } from '../import-job/import-job-streams';

export interface PublishPiecesDeps {
  readonly commands: ImportJobStreams;
  readonly producer: MessageProducer;
  readonly topics: Pick<ImportJobTopics, 'pieces'>;
  /** The most pieces of one job out at once (`piecesInTurn`). */
  readonly maxPiecesOutPerJob: number;
}

export type PublishPiecesOutcome =
  | { readonly kind: 'published'; readonly pieces: number; readonly cancelled: number; readonly sent: PiecesOut }
  | { readonly kind: 'skipped'; readonly reason: string };

// Kafka refuses a request whose batch for one partition exceeds the broker's message.max.bytes
// (1 MiB by default), and every work item carries the job's schema: a turn of many pieces goes out
// in several sends.
const maxSendBytes = 512 * 1024;

/**
 * Sends the work items of the job's turn not sent yet (`piecesInTurn`, from what was `sent` before)
 * to the pieces topic, keyed by piece id: a job's pieces have no order among them, so the key only
 * spreads them over every partition, and so over every worker of the group. (Keyed by job, a whole
 * job would land on one partition and one worker.) `sent` in the outcome is what went out, to be
 * remembered only once every send succeeded: a send that failed half-way is sent again whole. Safe
 * to run again from what was remembered earlier, or from nothing: a piece sent twice is claimed by
 * one copy, and its result counted once.
 *
 * A cancelling job's pending pieces after its turn, never sent, are settled as cancelled here, one
 * command each, without a trip through the topic and a worker.
 */
export async function publishPieces(jobId: string, sent: PiecesOut, { commands, producer, topics, maxPiecesOutPerJob }: PublishPiecesDeps): Promise<PublishPiecesOutcome> {
  const { job } = await commands.load(jobId);
  const decision = piecesInTurn(job, sent, maxPiecesOutPerJob);
  if (decision.kind === 'skip') return { kind: 'skipped', reason: `job ${jobId} is ${decision.status}` };
  const messages = decision.work.map((work) => workItemMessage(work, topics.pieces));
  for (const batch of batchesWithin(messages, maxSendBytes)) await producer.send(batch);
  for (const pieceId of decision.cancel) {
    await commands.execute({ type: 'RecordPieceResult.v1', data: { jobId, pieceId, outcome: { kind: 'cancelled' } }, metadata: { now: new Date().toISOString() } });
  }
  return { kind: 'published', pieces: messages.length, cancelled: decision.cancel.length, sent: decision.sent };
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
