import type { Command } from '../decider';
import type { ImportDefinition } from './definition';
import type { JobFailureReason, PieceFailureReason, PieceSpec, RowFailure, FailureReport } from './events';


export type RequestImport = Command<
  'RequestImport.v1',
  { readonly jobId: string; readonly tenantId: string; readonly clientToken: string; readonly definition: ImportDefinition }
>;

export type StartPlanning = Command<'StartPlanning.v1', { readonly jobId: string }>;

/** One chunk of the plan (see `PlanChunker`): chunks are recorded in order, from 0. */
export type RecordPlannedPieces = Command<
  'RecordPlannedPieces.v1',
  { readonly jobId: string; readonly chunk: number; readonly pieces: readonly PieceSpec[] }
>;

/** Closes the plan once all its chunks are recorded; `pieces` is how many they hold. */
export type CompletePlan = Command<
  'CompletePlan.v1',
  { readonly jobId: string; readonly pieces: number; readonly files: number; readonly totalBytes: number }
>;

export type PieceOutcome =
  | {
      readonly kind: 'completed';
      readonly rowsProcessed: number;
      readonly rowsFailed: number;
      readonly bytesProcessed: number;
      readonly firstFailures: readonly RowFailure[];
      readonly failureListLocation?: string;
    }
  | { readonly kind: 'failed'; readonly reason: PieceFailureReason }
  | { readonly kind: 'cancelled' };

export type RecordPieceResult = Command<
  'RecordPieceResult.v1',
  { readonly jobId: string; readonly pieceId: string; readonly outcome: PieceOutcome }
>;

/** A failure of the job as a whole (an unreadable or missing source), not of one piece. */
export type FailImport = Command<'FailImport.v1', { readonly jobId: string; readonly reason: JobFailureReason }>;

export type CancelImport = Command<'CancelImport.v1', { readonly jobId: string; readonly reason?: string }>;

/** Sent once the closing work (the failure report) is done, to end a completing or failing job. */
export type FinishImport = Command<'FinishImport.v1', { readonly jobId: string; readonly failureReport?: FailureReport }>;

export type ImportJobCommand =
  | RequestImport
  | StartPlanning
  | RecordPlannedPieces
  | CompletePlan
  | RecordPieceResult
  | FailImport
  | CancelImport
  | FinishImport;
