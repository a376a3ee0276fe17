import { assertNever, DomainError, nothingOut, parseJobStreamEvent, type ImportJobEvent, type JobFailureReason, type PiecesOut } from '@import-jobs/domain';
import { runCheckpointedSubscription, type EventStore, type RecordedEvent } from '@import-jobs/event-store';
import { quoted, type MessageProducer } from '@import-jobs/messaging';
import { type ImportJobTopics } from '../messages';
import { ObjectChangedError, ObjectStoreError, type ObjectStore } from '@import-jobs/sources';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import { consoleLog, type Log } from '../shared/log';
import { isMarkedRetriable, retry, type AttemptLedger, type RetryPolicy } from '@import-jobs/retry';
import { failPlanning, planImport, type PlanImportOutcome } from './plan-import';
import { publishPieces } from './publish-pieces';

/**
 * On top of the object store's own quick retries: a throttled bucket or a restarting
 * event store stays away for seconds, and planning one job again is cheap next to giving up on it.
 */
export const defaultPlannerRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000 };

export interface PlannerOptions {
  readonly store: EventStore;
  readonly commands: ImportJobStreams;
  readonly objectStore: ObjectStore;
  readonly producer: MessageProducer;
  readonly topics: Pick<ImportJobTopics, 'pieces'>;
  readonly targetPieceBytes: number;
  /** The service's own bucket, where gzip sources are staged (`planImport`). */
  readonly stagingBucket: string;
  readonly maxStagedBytes: number;
  /** The most pieces of one job out on the pieces topic at once: another job's pieces wait behind no more. */
  readonly maxPiecesOutPerJob: number;
  /** Planning's checkpoint; the turns' is this with `-turns`. */
  readonly subscriptionId: string;
  readonly retry?: RetryPolicy;
  readonly log?: Log;
  /** Failed attempts per event, held across the planner's restarts by its owner. */
  readonly attempts?: AttemptLedger;
}

export interface Planner {
  /** Lets the event in hand finish (a retry wait is cut short), then ends the subscription. */
  stop(): Promise<void>;
  /**
   * Resolves after `stop()`. Rejects when a fault outlasted the retries and is not the job's own:
   * the event store or Kafka away, or a bug. The checkpoint has not moved past the event, so a
   * planner started again (by whoever observes this) picks it up where it failed.
   */
  readonly finished: Promise<void>;
}

/**
 * Flow step 2, as two checkpointed subscriptions. One plans each requested job (`ImportRequested`),
 * recording its plan chunk by chunk as it is found. The other publishes the work items of each job
 * in turns (`piecesInTurn`): on each chunk recorded (`PiecesPlanned`), while the planner still
 * reads, and then one more for each of its pieces settled, so that no job has more than
 * `maxPiecesOutPerJob` pieces waiting on the shared pieces topic, and a job requested after a large
 * one waits behind that many of its pieces, not behind all of them. Apart, since planning a large
 * job holds its subscription for as long as it reads, and its pieces must meanwhile go out and
 * settle. Publishing on the stored events, not straight after recording, means a crash between the
 * two still publishes: the event is delivered again until the checkpoint moves past it.
 *
 * A cancelling job's pieces never sent are cancelled at once, by the planner itself, and those of
 * its turn settled by the workers.
 *
 * What each job has out is remembered in memory only, and forgotten when the job leaves its
 * planning, processing (or cancelling) state: a planner started again sends each job's current turn
 * once more on its next event, and a piece sent twice is claimed by one copy and counted once.
 *
 * Planning is sequential per planner instance: the subscription hands over one event at a time,
 * so one large job delays the planning of the jobs requested after it (not their turns). Two
 * instances with the same subscription id are safe (both plan, one plan is recorded, the
 * checkpoint's compare-and-set keeps them from running ahead of each other) but do the work twice.
 *
 * Bad input never ends a subscription: a missing or unreadable source fails its job; so does a
 * source that stays busy through every retry, or a plan the job refuses.
 */
export function startPlanner(options: PlannerOptions): Planner {
  const { store, commands, subscriptionId, targetPieceBytes, log = consoleLog } = options;
  if (!Number.isSafeInteger(targetPieceBytes) || targetPieceBytes <= 0) {
    throw new RangeError(`targetPieceBytes must be a positive integer, not ${targetPieceBytes}`);
  }
  const { maxPiecesOutPerJob } = options;
  if (!Number.isSafeInteger(maxPiecesOutPerJob) || maxPiecesOutPerJob <= 0) {
    throw new RangeError(`maxPiecesOutPerJob must be a positive integer, not ${maxPiecesOutPerJob}`);
  }
  const policy = options.retry ?? defaultPlannerRetryPolicy;
  const stopping = new AbortController();
  const withRetries = <T>(work: () => Promise<T>, isRetriable: (error: unknown) => boolean): Promise<T> =>
    retry(work, { ...policy, isRetriable, signal: stopping.signal });

  const plan = async (jobId: string): Promise<void> => {
    let outcome: PlanImportOutcome;
    try {
      outcome = await withRetries(() => planImport(jobId, options), isWorthPlanningAgain);
    } catch (error) {
      const reason = stopping.signal.aborted ? undefined : jobFailureAfterRetries(error, policy.attempts);
      if (reason === undefined) throw error;
      outcome = await withRetries(() => failPlanning(jobId, reason, commands), isMarkedRetriable);
    }
    report(log, jobId, outcome);
  };

  const piecesOut = new Map<string, PiecesOut>();
  const publish = async (jobId: string, on: 'planned' | 'settled' | 'cancelling'): Promise<void> => {
    const sent = piecesOut.get(jobId) ?? nothingOut;
    const outcome = await withRetries(() => publishPieces(jobId, sent, options), isMarkedRetriable);
    if (outcome.kind === 'skipped') {
      piecesOut.delete(jobId);
      if (on === 'planned') log.info('Published no pieces', { jobId, reason: outcome.reason });
      return;
    }
    piecesOut.set(jobId, outcome.sent);
    if (on === 'planned') log.info('Published the first pieces of an import job', { jobId, pieces: outcome.pieces });
    else if (outcome.pieces > 0) log.debug('Published the next pieces of an import job', { jobId, pieces: outcome.pieces });
    if (outcome.cancelled > 0) log.info('Cancelled the pieces of an import job never sent', { jobId, pieces: outcome.cancelled });
  };

  const onPlanningEvent = async (event: ImportJobEvent): Promise<void> => {
    if (event.type === 'ImportRequested.v1') await plan(event.data.jobId);
  };

  const onTurnEvent = async (event: ImportJobEvent): Promise<void> => {
    switch (event.type) {
      case 'PiecesPlanned.v1':
        return publish(event.data.jobId, event.data.chunk === 0 ? 'planned' : 'settled');
      case 'ImportPlanned.v2':
      case 'PieceCompleted.v1':
      case 'PieceFailed.v1':
      case 'PieceCancelled.v1':
        return publish(event.data.jobId, 'settled');
      case 'ImportCancelling.v1':
        return publish(event.data.jobId, 'cancelling');
      // The job takes no more turns: its memory goes, whatever pieces are still out.
      case 'ImportCompleting.v1':
      case 'ImportFailing.v1':
      case 'ImportCancelled.v1':
        piecesOut.delete(event.data.jobId);
        return;
      default:
        return;
    }
  };

  const subscribe = (id: string, onEvent: (event: ImportJobEvent) => Promise<void>, what: 'planned' | 'published') =>
    runCheckpointedSubscription(store, {
      subscriptionId: id,
      ...(options.attempts && { attempts: options.attempts }),
      onEvent: async (recorded: RecordedEvent) => {
        const parsed = parseJobStreamEvent(recorded);
        // Streams planned before plans were chunked hold ImportPlanned.v1, read as a chunk and ImportPlanned.v2.
        for (const event of parsed.kind === 'event' ? parsed.events : []) await onEvent(event);
      },
      // One job that cannot be planned or published (a bug its input triggers, a work item the
      // broker refuses) fails, with the reason, instead of holding every job requested after it.
      settle: async (recorded, error, attempts) => {
        const parsed = parseJobStreamEvent(recorded);
        if (parsed.kind !== 'event') return;
        const { jobId } = parsed.stored.data;
        const reason = { code: 'PLANNING_FAILED' as const, message: quoted(`the job could not be ${what} in ${attempts} attempts: ${messageOf(error)}`) };
        report(log, jobId, await failPlanning(jobId, reason, commands));
      },
    });
  const subscriptions = [subscribe(subscriptionId, onPlanningEvent, 'planned'), subscribe(`${subscriptionId}-turns`, onTurnEvent, 'published')];
  // One failing ends the other, so that whoever starts the planner again starts both once.
  const stopBoth = () => Promise.all(subscriptions.map((subscription) => subscription.stop()));
  const bothFinished = subscriptions.map((subscription) =>
    subscription.finished.catch(async (error: unknown) => {
      await stopBoth();
      throw error;
    }),
  );
  // A retry wait cut short by stop() rejects the handler; that is the stop, not a failure.
  const finished = Promise.all(bothFinished).then(
    () => undefined,
    (error: unknown) => {
      if (!stopping.signal.aborted) throw error;
    },
  );

  return {
    finished,
    async stop() {
      stopping.abort();
      await stopBoth();
      await finished.catch(() => undefined);
    },
  };
}

/** A source that changed since it was listed is planned again from a fresh listing. */
function isWorthPlanningAgain(error: unknown): boolean {
  return isMarkedRetriable(error) || error instanceof ObjectChangedError;
}

/**
 * The job's own problems fail the job once retrying stops; faults of the planner's own
 * infrastructure (event store, Kafka) and bugs do not, and end the subscription instead.
 */
function jobFailureAfterRetries(error: unknown, attempts: number): JobFailureReason | undefined {
  if (error instanceof ObjectStoreError) {
    return { code: 'SOURCE_UNREADABLE', message: `${error.message} (still failing after ${attempts} attempts to plan the job)` };
  }
  if (error instanceof DomainError) return { code: 'SOURCE_UNREADABLE', message: `the job's plan was refused: ${error.message}` };
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function report(log: Log, jobId: string, outcome: PlanImportOutcome): void {
  switch (outcome.kind) {
    case 'planned':
      log.info('Planned an import job', { jobId, pieces: outcome.pieces, files: outcome.files, totalBytes: outcome.totalBytes });
      return;
    case 'failed':
      log.warn('Failed an import job while planning it', { jobId, code: outcome.reason.code, reason: outcome.reason.message });
      return;
    case 'skipped':
      log.info('Did not plan an import job', { jobId, reason: outcome.reason });
      return;
    default:
      assertNever(outcome);
  }
}
