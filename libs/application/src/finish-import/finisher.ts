import { DomainError, failureListsToReport, needsFinishing, parseJobStreamEvent } from '@import-jobs/domain';
import { runCheckpointedSubscription, type EventStore, type RecordedEvent, type Subscription } from '@import-jobs/event-store';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import type { Log } from '../shared/log';
import { sendDeadLetter, type MessageProducer } from '@import-jobs/messaging';
import { isMarkedRetriable, retry, type AttemptLedger } from '@import-jobs/retry';
import type { ObjectStore } from '@import-jobs/sources';
import { failureListLocation } from '../process-piece/piece-processor';
import { deleteStaging } from '../plan-import/plan-import';
import { writeFailureReport } from './failure-report';

export interface FinisherOptions {
  readonly store: EventStore;
  /** Where a job that cannot be finished is reported, so that the jobs behind it still finish. */
  readonly deadLetters: { readonly producer: MessageProducer; readonly topic: string };
  /** Failed attempts per event, held across the finisher's restarts by its owner. */
  readonly attempts?: AttemptLedger;
  readonly commands: ImportJobStreams;
  readonly objectStore: ObjectStore;
  readonly reportsBucket: string;
  /** Where the planner staged the job's gzip sources (`<jobId>/staging/…`), removed once the job ends. */
  readonly stagingBucket: string;
  readonly log: Log;
  readonly subscriptionId?: string;
}

/**
 * Ends completing and failing jobs: writes the failure report (when any row failed) and sends
 * FinishImport, which appends the job's one terminal event. Once a job has ended (completed,
 * failed or cancelled), removes its staging objects: no piece of it is read any more.
 */
export function startFinisher(options: FinisherOptions): Subscription {
  const { store, subscriptionId = 'finish-import', deadLetters, log } = options;
  return runCheckpointedSubscription(store, {
    subscriptionId,
    ...(options.attempts && { attempts: options.attempts }),
    onEvent: async (recorded: RecordedEvent) => {
      const parsed = parseJobStreamEvent(recorded);
      const events = parsed.kind === 'event' ? parsed.events : [];
      const closing = events.find((event) => event.type === 'ImportCompleting.v1' || event.type === 'ImportFailing.v1');
      if (closing !== undefined) await retry(() => finishImport(closing.data.jobId, options), retryPolicy);
      const ended = events.find((event) => event.type === 'ImportCompleted.v1' || event.type === 'JobFailed.v1' || event.type === 'ImportCancelled.v1');
      if (ended !== undefined) {
        const { jobId } = ended.data;
        const deleted = await retry(() => deleteStaging(options.objectStore, options.stagingBucket, jobId), retryPolicy);
        if (deleted > 0) log.info('Deleted the staging objects of an import job', { jobId, objects: deleted });
      }
    },
    settle: async (recorded, error, attempts) => {
      log.error('A job could not be finished; it goes to the dead letters', { streamId: recorded.streamId, attempts, error: String(error) });
      await sendDeadLetter(deadLetters.producer, deadLetters.topic, {
        consumer: subscriptionId,
        reason: `the job could not be finished in ${attempts} attempts: ${String(error)}`,
        event: { streamId: recorded.streamId, revision: String(recorded.streamRevision), type: recorded.type, eventId: recorded.id },
      });
    },
  });
}

const retryPolicy = { attempts: 5, baseDelayMs: 200, isRetriable: isMarkedRetriable };

async function finishImport(jobId: string, { commands, objectStore, reportsBucket, log }: FinisherOptions): Promise<void> {
  const { job, events } = await commands.load(jobId);
  if (!needsFinishing(job)) return;
  const pieceFailureLists = failureListsToReport(events, (pieceId) => {
    const { bucket, key } = failureListLocation(reportsBucket, jobId, pieceId);
    return `s3://${bucket}/${key}`;
  });
  const failureReport =
    pieceFailureLists.length === 0
      ? undefined
      : await writeFailureReport(objectStore, { pieceFailureLists, bucket: reportsBucket, key: `${jobId}/failure-report.csv` });
  try {
    await commands.execute({
      type: 'FinishImport.v1',
      data: { jobId, ...(failureReport && { failureReport }) },
      metadata: { now: new Date().toISOString() },
    });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    log.warn('Finishing refused by the job', { jobId, code: error.code, reason: error.message });
  }
}
