import { asImportJobEvent } from '@import-jobs/domain';
import { runCheckpointedSubscription, type EventStore, type Subscription } from '@import-jobs/event-store';
import type { ImportJobTopics, MessageProducer } from '@import-jobs/messaging';
import { toJobIntegrationMessage } from './job-integration-events';

/**
 * Publishes every job event to the job-events topic, in store order. The checkpoint moves after
 * the send, so a crash in between sends an event again (at-least-once); the event-id header lets
 * subscribers drop the repeat.
 */
export function startJobEventsPublisher(
  store: EventStore,
  { producer, topics, subscriptionId = 'publish-job-events' }: { producer: MessageProducer; topics: ImportJobTopics; subscriptionId?: string },
): Subscription {
  return runCheckpointedSubscription(store, {
    subscriptionId,
    onEvent: async (recorded) => {
      const event = asImportJobEvent(recorded);
      if (event) await producer.send([toJobIntegrationMessage(topics.jobEvents, event, recorded)]);
    },
  });
}
