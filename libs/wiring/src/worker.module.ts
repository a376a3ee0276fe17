import { Inject, Injectable, Module, Optional } from '@nestjs/common';
import type { Messaging } from '@import-jobs/messaging';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import { AttemptLedger } from '@import-jobs/retry';
import type { EventStore } from '@import-jobs/event-store';
import type { ObjectStore } from '@import-jobs/sources';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { EVENT_STORE, IMPORT_JOB_STREAMS, LOG, MESSAGING, OBJECT_STORE, SERVICE_CONFIG, TOPICS } from '@import-jobs/application/di-tokens';
import type { ImportJobStreams } from '@import-jobs/application/import-job/import-job-streams';
import { measuredPieceTransactions } from './metrics/measured-messaging';
import { serviceConsumerGroups, ServiceMetrics } from './metrics/service-metrics';
import { startPieceWorker } from '@import-jobs/application/process-piece';
import { pieceAdmissionFromJob } from '@import-jobs/application/process-piece/piece-admission';
import { startPieceResultRecorder } from '@import-jobs/application/record-piece-result/piece-result-recorder';
import type { Log } from '@import-jobs/application/shared/log';
import { BackgroundTasks } from './background-tasks';

/**
 * Kafka consumer groups: the piece workers and the piece-result recorder. Several worker
 * processes may run side by side; the group spreads the partitions among them.
 */
@Injectable()
class WorkerTasks extends BackgroundTasks {
  // Outlive the consumers, which their supervisor replaces after a crash, so that attempts at one
  // message are counted across those restarts.
  private readonly pieceAttempts = new AttemptLedger();
  private readonly resultAttempts = new AttemptLedger();

  constructor(
    @Inject(LOG) log: Log,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(MESSAGING) private readonly messaging: Messaging,
    @Inject(TOPICS) private readonly topics: ImportJobTopics,
    @Inject(OBJECT_STORE) private readonly objectStore: ObjectStore,
    @Inject(IMPORT_JOB_STREAMS) private readonly commands: ImportJobStreams,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    // Absent when the module runs in a bare application context, without the operations module.
    @Optional() @Inject(ServiceMetrics) private readonly metrics?: ServiceMetrics,
  ) {
    super(log);
  }

  protected tasks() {
    const { messaging, topics, objectStore, commands, store, log, config, metrics } = this;
    const groups = serviceConsumerGroups(config.kafka.topicPrefix, topics);
    return [
      [
        'piece worker',
        () =>
          startPieceWorker({
            messaging: metrics ? measuredPieceTransactions(messaging, metrics, topics.pieceResults) : messaging,
            objectStore,
            topics,
            groupId: groups.pieceWorkers.groupId,
            failuresBucket: config.reportsBucket,
            admission: pieceAdmissionFromJob(commands, store),
            limits: { maxDecompressedBytes: config.maxDecompressedBytes },
            // Half the shutdown time for the piece in hand; the rest to abort it and leave the group.
            stopGraceMs: config.shutdownTimeoutMs / 2,
            attempts: this.pieceAttempts,
            piecesInFlight: config.workerPiecesInFlight,
            log,
          }),
      ],
      ['piece-result recorder', () => startPieceResultRecorder({ messaging, commands, topics, groupId: groups.pieceResults.groupId, log, attempts: this.resultAttempts })],
    ] as const;
  }
}

@Module({ providers: [WorkerTasks] })
export class WorkerModule {}
