import type { S3Client } from '@aws-sdk/client-s3';
import { asImportJobEvent, DomainError } from '@import-jobs/domain';
import { runCheckpointedSubscription, type EventStore, type RecordedEvent, type Subscription } from '@import-jobs/event-store';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import type { Log } from '../shared/log';
import { isMarkedRetriable, retry } from '@import-jobs/retry';
import { writeFailureReport } from './failure-report';

export interface FinisherOptions {
  readonly store: EventStore;
  readonly commands: ImportJobCommands;
  readonly s3: S3Client;
  readonly reportsBucket: string;
  readonly log: Log;
  readonly subscriptionId?: string;
}

/**
 * Ends completing and failing jobs: writes the failure report (when any row failed) and sends
 * FinishImport, which appends the job's one terminal event.
 */
export function startFinisher(options: FinisherOptions): Subscription {
  const { store, subscriptionId = 'finish-import' } = options;
  return runCheckpointedSubscription(store, {
    subscriptionId,
    onEvent: async (recorded: RecordedEvent) => {
      const event = asImportJobEvent(recorded);
      if (event?.type !== 'ImportCompleting.v1' && event?.type !== 'ImportFailing.v1') return;
      await retry(() => finishImport(event.data.jobId, options), { attempts: 5, baseDelayMs: 200, isRetriable: isMarkedRetriable });
    },
  });
}

async function finishImport(jobId: string, { commands, s3, reportsBucket, log }: FinisherOptions): Promise<void> {
  const { job, events } = await commands.load(jobId);
  if (job.status !== 'Completing' && job.status !== 'Failing') return;
  const pieceFailureLists = events.flatMap((event) =>
    event.type === 'PieceCompleted.v1' && event.data.failureListLocation ? [event.data.failureListLocation] : [],
  );
  const failureReport =
    pieceFailureLists.length === 0
      ? undefined
      : await writeFailureReport(s3, { pieceFailureLists, bucket: reportsBucket, key: `${jobId}/failure-report.csv` });
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
