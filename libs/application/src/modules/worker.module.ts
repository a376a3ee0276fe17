import { Inject, Injectable, Module } from '@nestjs/common';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ImportJobTopics, Messaging } from '@import-jobs/messaging';
import type { ServiceConfig } from '../config/service-config';
import { IMPORT_JOB_COMMANDS, LOG, MESSAGING, S3_CLIENT, SERVICE_CONFIG, TOPICS } from '../di-tokens';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import { startPieceWorker } from '../process-piece';
import { pieceAdmissionFromJob } from '../process-piece/piece-admission';
import { startPieceResultRecorder } from '../record-piece-result/piece-result-recorder';
import type { Log } from '../shared/log';
import { BackgroundTasks } from './background-tasks';

/**
 * Kafka consumer groups: the piece workers and the piece-result recorder. Several worker
 * processes may run side by side; the group spreads the partitions among them.
 */
@Injectable()
class WorkerTasks extends BackgroundTasks {
  constructor(
    @Inject(LOG) log: Log,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(MESSAGING) private readonly messaging: Messaging,
    @Inject(TOPICS) private readonly topics: ImportJobTopics,
    @Inject(S3_CLIENT) private readonly s3: S3Client,
    @Inject(IMPORT_JOB_COMMANDS) private readonly commands: ImportJobCommands,
  ) {
    super(log);
  }

  protected tasks() {
    const { messaging, topics, s3, commands, log, config } = this;
    const prefix = config.kafka.topicPrefix;
    return [
      [
        'piece worker',
        () =>
          startPieceWorker({
            messaging,
            s3,
            topics,
            groupId: `${prefix}.piece-workers`,
            failuresBucket: config.reportsBucket,
            admission: pieceAdmissionFromJob(commands),
            limits: { maxDecompressedBytes: config.maxDecompressedBytes },
            log,
          }),
      ],
      ['piece-result recorder', () => startPieceResultRecorder({ messaging, commands, topics, groupId: `${prefix}.piece-results`, log })],
    ] as const;
  }
}

@Module({ providers: [WorkerTasks] })
export class WorkerModule {}
