import { Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TenantGuard } from '@import-jobs/application/access/tenant.guard';
import { CancelImportHandler } from '@import-jobs/application/cancel-import/cancel-import.handler';
import { CancelImportHttpController } from '@import-jobs/application/cancel-import/cancel-import.http.controller';
import { CancelImportKafkaController } from '@import-jobs/application/cancel-import/cancel-import.kafka.controller';
import { RefusalFilter } from '@import-jobs/application/http/refusal.filter';
import { GetImportJobHistoryHandler, JobHistoryHttpController } from '@import-jobs/application/job-history/job-history.query';
import { JobProgressFeed } from '@import-jobs/application/job-progress/job-progress.feed';
import { JobProgressHttpController } from '@import-jobs/application/job-progress/job-progress.http.controller';
import { JobStatusHttpController } from '@import-jobs/application/job-status/job-status.http.controller';
import { GetImportJobHandler, ListImportJobsHandler } from '@import-jobs/application/job-status/job-status.queries';
import { RequestImportHandler } from '@import-jobs/application/request-import/request-import.handler';
import { RequestImportHttpController } from '@import-jobs/application/request-import/request-import.http.controller';
import { RequestImportKafkaController } from '@import-jobs/application/request-import/request-import.kafka.controller';
import { StatusPage } from '@import-jobs/application/status-page/status-page';
import { JobAdmissions } from '@import-jobs/application/admission/job-admissions';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { EVENT_STORE, IMPORT_JOB_COMMANDS, JOB_ADMISSIONS, JOB_VIEWS, SERVICE_CONFIG, UPLOAD_COMMANDS } from '@import-jobs/application/di-tokens';
import type { ImportJobCommands } from '@import-jobs/application/import-job/import-job-commands';
import { uploadCommands } from '@import-jobs/application/uploads/upload-commands';
import { UploadsHttpController } from '@import-jobs/application/uploads/uploads.http.controller';
import type { EventStore } from '@import-jobs/event-store';
import type { JobViewReader } from '@import-jobs/read-model';
import { ReadModelModule } from './read-model.module';

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
    { provide: JobProgressFeed, inject: [JOB_VIEWS], useFactory: (views: JobViewReader) => new JobProgressFeed(views) },
    StatusPage,
    { provide: UPLOAD_COMMANDS, inject: [EVENT_STORE], useFactory: uploadCommands },
    {
      provide: JOB_ADMISSIONS,
      inject: [EVENT_STORE, IMPORT_JOB_COMMANDS, SERVICE_CONFIG],
      useFactory: (store: EventStore, jobs: ImportJobCommands, config: ServiceConfig) => new JobAdmissions(store, jobs, config),
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
