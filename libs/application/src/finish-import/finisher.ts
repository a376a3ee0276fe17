import { DomainError, failureListsToReport, needsFinishing, parseJobStreamEvent } from '@import-jobs/domain';
import { runCheckpointedSubscription, type EventStore, type RecordedEvent, type Subscription } from '@import-jobs/event-store';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import type { Log } from '../shared/log';
import { sendDeadLetter, type MessageProducer } from '@import-jobs/messaging';
import { isMarkedRetriable, retry, type AttemptLedger } from '@import-jobs/retry';
import type { ObjectStore } from '@import-jobs/sources';
import { failureListLocation } from '../process-piece/piece-processor';
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
  readonly log: Log;
  readonly subscriptionId?: string;
}

/**
 * Ends completing and failing jobs: writes the failure report (when any row failed) and sends
 * FinishImport, which appends the job's one terminal event.
 */
export function startFinisher(options: FinisherOptions): Subscription {
  const { store, subscriptionId = 'finish-import', deadLetters, log } = options;
  return runCheckpointedSubscription(store, {
    subscriptionId,
    ...(options.attempts && { attempts: options.attempts }),
    onEvent: async (recorded: RecordedEvent) => {
      const parsed = parseJobStreamEvent(recorded);
      const closing = parsed.kind === 'event' ? parsed.events.find((event) => event.type === 'ImportCompleting.v1' || event.type === 'ImportFailing.v1') : undefined;
      if (closing === undefined) return;
      await retry(() => finishImport(closing.data.jobId, options), { attempts: 5, baseDelayMs: 200, isRetriable: isMarkedRetriable });
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
