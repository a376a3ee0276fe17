import { parseJobStreamEvent } from '@import-jobs/domain';
import { runCheckpointedSubscription, type EventStore, type Subscription } from '@import-jobs/event-store';
import { sendDeadLetter, type MessageProducer } from '@import-jobs/messaging';
import { type ImportJobTopics } from '../messages';
import type { AttemptLedger } from '@import-jobs/retry';
import type { Log } from '../shared/log';
import { toJobIntegrationMessage } from './job-integration-events';

export interface JobEventsPublisherOptions {
  readonly producer: MessageProducer;
  readonly topics: Pick<ImportJobTopics, 'jobEvents' | 'deadLetters'>;
  readonly log: Log;
  readonly subscriptionId?: string;
  /** Failed attempts per event, held across the publisher's restarts by its owner. */
  readonly attempts?: AttemptLedger;
}

/**
 * Publishes every job event to the job-events topic, in store order. The checkpoint moves after
 * the send, so a crash in between sends an event again (at-least-once); the event-id header lets
 * subscribers drop the repeat. An event the broker refuses on every attempt goes to the dead
 * letters instead, so that subscribers keep getting the events of every other job.
 */
export function startJobEventsPublisher(store: EventStore, { producer, topics, log, subscriptionId = 'publish-job-events', attempts }: JobEventsPublisherOptions): Subscription {
  return runCheckpointedSubscription(store, {
    subscriptionId,
    ...(attempts && { attempts }),
    onEvent: async (recorded) => {
      const parsed = parseJobStreamEvent(recorded);
      // Subscribers get the job's events as stored, each under its own id; one that cannot be read
      // goes to the dead letters with the reason, rather than to them unchecked or nowhere.
      if (parsed.kind === 'unreadable') throw new Error(`unreadable ${parsed.type}: ${parsed.problem}`);
      if (parsed.kind === 'event') await producer.send([toJobIntegrationMessage(topics.jobEvents, parsed.stored, recorded)]);
    },
    settle: async (recorded, error, tries) => {
      log.error('A job event could not be published; it goes to the dead letters', { streamId: recorded.streamId, type: recorded.type, attempts: tries, error: String(error) });
      await sendDeadLetter(producer, topics.deadLetters, {
        consumer: subscriptionId,
        reason: `the event could not be published in ${tries} attempts: ${String(error)}`,
        event: { streamId: recorded.streamId, revision: String(recorded.streamRevision), type: recorded.type, eventId: recorded.id },
      });
    },
  });
}
