import { MessagingError } from '@import-jobs/messaging';

/**
 * The topics the service owns. Destination topics for imported records are not among them: each
 * job names its own.
 */
export interface ImportJobTopics {
  /** `RequestImport` and `CancelImport` commands from Kafka producers. */
  readonly commands: string;
  /** Why a command read from `commands` was refused, for the producer that sent it. */
  readonly commandRejections: string;
  /** One work item per planned piece, consumed by the worker group. */
  readonly pieces: string;
  /** Internal: each piece's outcome, written in the same transaction as the piece's records. */
  readonly pieceResults: string;
  /** Job integration events for downstream subscribers. */
  readonly jobEvents: string;
  /** What a consumer or subscription gave up on after its attempts, for an operator to look at. */
  readonly deadLetters: string;
  /**
   * Internal, best effort: the rows and bytes a piece in hand has read so far, sent by its worker
   * outside the piece's transaction, so that live progress moves before the piece commits.
   */
  readonly pieceProgress: string;
}

export const DEFAULT_TOPIC_PREFIX = 'import-jobs';

// Kafka's own rule for topic names; the longest suffix below must still fit in 249 characters.
const legalTopicName = /^[a-zA-Z0-9._-]+$/;
const longestSuffix = '.commands.rejected';
const maxTopicNameLength = 249;

/** The topic names under `prefix`, so that several deployments can share one cluster. */
export function importJobTopics(prefix: string = DEFAULT_TOPIC_PREFIX): ImportJobTopics {
  if (!legalTopicName.test(prefix) || prefix.length + longestSuffix.length > maxTopicNameLength) {
    throw new MessagingError(
      `Topic prefix ${JSON.stringify(prefix)} must be 1 to ${maxTopicNameLength - longestSuffix.length} of a-z, A-Z, 0-9, '.', '_', '-'`,
      false,
    );
  }
  return {
    commands: `${prefix}.commands`,
    commandRejections: `${prefix}${longestSuffix}`,
    pieces: `${prefix}.pieces`,
    pieceResults: `${prefix}.piece-results`,
    jobEvents: `${prefix}.job-events`,
    deadLetters: `${prefix}.dead-letters`,
    pieceProgress: `${prefix}.piece-progress`,
  };
}
