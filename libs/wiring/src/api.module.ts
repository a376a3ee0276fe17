import { Inject, Injectable, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TenantGuard } from '@import-jobs/application/access/tenant.guard';
import { CancelImportHandler } from '@import-jobs/application/cancel-import/cancel-import.handler';
import { CancelImportHttpController } from '@import-jobs/application/cancel-import/cancel-import.http.controller';
import { CancelImportKafkaController } from '@import-jobs/application/cancel-import/cancel-import.kafka.controller';
import { RefusalFilter } from '@import-jobs/application/http/refusal.filter';
import { GetImportJobHistoryHandler, JobHistoryHttpController } from '@import-jobs/application/job-history/job-history.query';
import { InFlightPieces } from '@import-jobs/application/job-progress/in-flight-pieces';
import { JobProgressFeed } from '@import-jobs/application/job-progress/job-progress.feed';
import { listenForPieceProgress } from '@import-jobs/application/job-progress/piece-progress-listener';
import { JobProgressHttpController } from '@import-jobs/application/job-progress/job-progress.http.controller';
import { JobStatusHttpController } from '@import-jobs/application/job-status/job-status.http.controller';
import { GetImportJobHandler, ListImportJobsHandler } from '@import-jobs/application/job-status/job-status.queries';
import { RequestImportHandler } from '@import-jobs/application/request-import/request-import.handler';
import { RequestImportHttpController } from '@import-jobs/application/request-import/request-import.http.controller';
import { RequestImportKafkaController } from '@import-jobs/application/request-import/request-import.kafka.controller';
import { StatusPage } from '@import-jobs/application/status-page/status-page.controller';
import { JobAdmissions } from '@import-jobs/application/admission/job-admissions';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { EVENT_STORE, IMPORT_JOB_STREAMS, JOB_ADMISSIONS, JOB_VIEWS, LOG, MESSAGING, SERVICE_CONFIG, TOPICS, UPLOAD_COMMANDS } from '@import-jobs/application/di-tokens';
import type { ImportJobStreams } from '@import-jobs/application/import-job/import-job-streams';
import { uploadCommands } from '@import-jobs/application/uploads/upload-commands';
import { UploadsHttpController } from '@import-jobs/application/uploads/uploads.http.controller';
import type { EventStore } from '@import-jobs/event-store';
import type { Messaging } from '@import-jobs/messaging';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import type { Log } from '@import-jobs/application/shared/log';
import type { JobViewReader } from '@import-jobs/read-model';
import { BackgroundTasks } from './background-tasks';
import { ReadModelModule } from './read-model.module';

/** Reads the workers' figures of their pieces in hand, for the live progress this process streams. */
@Injectable()
class PieceProgressListening extends BackgroundTasks {
  constructor(
    @Inject(LOG) log: Log,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(MESSAGING) private readonly messaging: Messaging,
    @Inject(TOPICS) private readonly topics: ImportJobTopics,
    private readonly pieces: InFlightPieces,
  ) {
    super(log);
  }

  protected tasks() {
    const { messaging, topics, pieces, log, config } = this;
    const groupPrefix = `${config.kafka.topicPrefix}.api-progress`;
    return [['piece-progress listener', () => listenForPieceProgress({ messaging, topic: topics.pieceProgress, groupPrefix, pieces, log })]] as const;
  }
}

/** The request side: HTTP and the Kafka command topic, both onto the same command and query bus. */
@Module({
  imports: [CqrsModule.forRoot(), ReadModelModule],
  controllers: [
    RequestImportHttpController,
    RequestImportKafkaController,
    CancelImportHttpController,
    CancelImportKafkaController,
    JobStatusHttpController,
    JobHistoryHttpController,
    UploadsHttpController,
    JobProgressHttpController,
  ],
  providers: [
    RequestImportHandler,
    CancelImportHandler,
    GetImportJobHandler,
    ListImportJobsHandler,
    GetImportJobHistoryHandler,
    { provide: InFlightPieces, useFactory: () => new InFlightPieces() },
    { provide: JobProgressFeed, inject: [JOB_VIEWS, InFlightPieces], useFactory: (views: JobViewReader, pieces: InFlightPieces) => new JobProgressFeed(views, pieces) },
    PieceProgressListening,
    StatusPage,
    { provide: UPLOAD_COMMANDS, inject: [EVENT_STORE], useFactory: uploadCommands },
    {
      provide: JOB_ADMISSIONS,
      inject: [EVENT_STORE, IMPORT_JOB_STREAMS, SERVICE_CONFIG],
      useFactory: (store: EventStore, jobs: ImportJobStreams, config: ServiceConfig) => new JobAdmissions(store, jobs, config),
    },
    { provide: APP_FILTER, useClass: RefusalFilter },
    { provide: APP_GUARD, useClass: TenantGuard },
  ],
})
export class ApiModule implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly progress: JobProgressFeed) {}

  async onModuleInit(): Promise<void> {
    await this.progress.start();
  }

  /** Before the HTTP server closes: it waits for open answers, and progress streams stay open until ended. */
  async onModuleDestroy(): Promise<void> {
    await this.progress.stop();
  }
}
