import { Inject, Injectable, Module } from '@nestjs/common';
import type { EventStore } from '@import-jobs/event-store';
import type { ObjectStore } from '@import-jobs/sources';
import type { Messaging } from '@import-jobs/messaging';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import { AttemptLedger } from '@import-jobs/retry';
import { jobStatusProjectionName, startJobStatusProjector, type PostgreSqlJobViews } from '@import-jobs/read-model';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { EVENT_STORE, IMPORT_JOB_STREAMS, JOB_VIEWS, LOG, MESSAGING, OBJECT_STORE, SERVICE_CONFIG, TOPICS } from '@import-jobs/application/di-tokens';
import { startFinisher } from '@import-jobs/application/finish-import/finisher';
import type { ImportJobStreams } from '@import-jobs/application/import-job/import-job-streams';
import { startPlanner } from '@import-jobs/application/plan-import/planner';
import { startJobEventsPublisher } from '@import-jobs/application/publish-job-events/job-events-publisher';
import type { Log } from '@import-jobs/application/shared/log';
import { BackgroundTasks } from './background-tasks';
import { ReadModelModule } from './read-model.module';

/**
 * Event-store subscriptions: the read model, planning, finishing and the integration events. Each
 * moves its own checkpoint by compare-and-set; run one projector process (a second one only waits
 * its turn), and scale the Kafka consumer groups in the worker app instead.
 */
@Injectable()
class ProjectorTasks extends BackgroundTasks {
  // Outlive the subscriptions, which their supervisor restarts after each failure, so that attempts
  // at one event are counted across those restarts.
  private readonly plannerAttempts = new AttemptLedger();
  private readonly finisherAttempts = new AttemptLedger();
  private readonly publisherAttempts = new AttemptLedger();

  constructor(
    @Inject(LOG) log: Log,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JOB_VIEWS) private readonly views: PostgreSqlJobViews,
    @Inject(MESSAGING) private readonly messaging: Messaging,
    @Inject(TOPICS) private readonly topics: ImportJobTopics,
    @Inject(OBJECT_STORE) private readonly objectStore: ObjectStore,
    @Inject(IMPORT_JOB_STREAMS) private readonly commands: ImportJobStreams,
  ) {
    super(log);
  }

  protected tasks() {
    const { store, views, messaging, topics, objectStore, commands, log, config } = this;
    return [
      ['job-status projector', () => startJobStatusProjector({ store, views, projectionName: jobStatusProjectionName })],
      [
        'planner',
        () =>
          startPlanner({
            store,
            commands,
            objectStore,
            producer: messaging.producer,
            topics,
            targetPieceBytes: config.pieceSizeBytes,
            stagingBucket: config.reportsBucket,
            maxStagedBytes: config.maxStagedBytes,
            maxPiecesOutPerJob: config.maxPiecesOutPerJob,
            subscriptionId: 'plan-import',
            log,
            attempts: this.plannerAttempts,
          }),
      ],
      [
        'finisher',
        () =>
          startFinisher({
            store,
            commands,
            objectStore,
            reportsBucket: config.reportsBucket,
            stagingBucket: config.reportsBucket,
            log,
            deadLetters: { producer: messaging.producer, topic: topics.deadLetters },
            attempts: this.finisherAttempts,
          }),
      ],
      ['job-events publisher', () => startJobEventsPublisher(store, { producer: messaging.producer, topics, log, attempts: this.publisherAttempts })],
    ] as const;
  }
}

@Module({ imports: [ReadModelModule], providers: [ProjectorTasks] })
export class ProjectorModule {}
