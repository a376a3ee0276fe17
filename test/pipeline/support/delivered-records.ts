import { importJobStreamId, type PieceSpec } from '@import-jobs/domain';
import type { EventStore } from '@import-jobs/event-store';
import type { IncomingMessage } from '@import-jobs/messaging';
import type { NumberedRow, RowExpectation } from './csv-fixture';

/** A record on a destination topic, with what its key and headers say about where it came from. */
export interface DeliveredRecord {
  readonly key: string | null;
  readonly jobId: string | undefined;
  readonly source: string | undefined;
  readonly line: number;
  readonly record: unknown;
}

export function deliveredRecords(messages: readonly IncomingMessage[]): DeliveredRecord[] {
  return sortedByOrigin(
    messages.map(({ key, headers, value }) => ({
      key,
      jobId: headers['import-job-id'],
      source: headers['import-source'],
      line: Number(headers['import-line']),
      record: JSON.parse(value?.toString('utf8') ?? 'null') as unknown,
    })),
  );
}

/** The records a job must deliver for the valid rows of one source file. */
export function expectedRecords(jobId: string, source: string, rows: ReadonlyArray<NumberedRow & { readonly expect: Extract<RowExpectation, { valid: true }> }>): DeliveredRecord[] {
  return rows.map(({ line, expect }) => ({ key: expect.key, jobId, source, line, record: expect.record }));
}

/** By file and line: one order for what was delivered and what was expected, so that lists compare as multisets. */
export function sortedByOrigin(records: readonly DeliveredRecord[]): DeliveredRecord[] {
  return [...records].sort((a, b) => (a.source ?? '').localeCompare(b.source ?? '') || a.line - b.line);
}

/** The pieces the planner recorded for a job, from its stored ImportPlanned event. */
export async function plannedPieces(store: EventStore, jobId: string): Promise<readonly PieceSpec[]> {
  // A plan is its PiecesPlanned chunks, in order; streams from before chunking hold one ImportPlanned.v1.
  const chunks = (await store.readStream(importJobStreamId(jobId))).filter((event) => event.type === 'PiecesPlanned.v1' || event.type === 'ImportPlanned.v1');
  if (chunks.length === 0) throw new Error(`job ${jobId} has no planned pieces`);
  return chunks.flatMap((event) => (event.data as unknown as { pieces: readonly PieceSpec[] }).pieces);
}
