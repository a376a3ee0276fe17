import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TenantGuard } from '../access/tenant.guard';
import { CancelImportHandler } from '../cancel-import/cancel-import.handler';
import { CancelImportHttpController } from '../cancel-import/cancel-import.http.controller';
import { CancelImportKafkaController } from '../cancel-import/cancel-import.kafka.controller';
import { RefusalFilter } from '../http/refusal.filter';
import { GetImportJobHistoryHandler, JobHistoryHttpController } from '../job-history/job-history.query';
import { JobProgressFeed } from '../job-progress/job-progress.feed';
import { JobProgressHttpController } from '../job-progress/job-progress.http.controller';
import { JobStatusHttpController } from '../job-status/job-status.http.controller';
import { GetImportJobHandler, ListImportJobsHandler } from '../job-status/job-status.queries';
import { RequestImportHandler } from '../request-import/request-import.handler';
import { RequestImportHttpController } from '../request-import/request-import.http.controller';
import { RequestImportKafkaController } from '../request-import/request-import.kafka.controller';
import { StatusPage } from '../status-page/status-page';
import { JobAdmissions } from '../admission/job-admissions';
import type { ServiceConfig } from '../config/service-config';
import { EVENT_STORE, IMPORT_JOB_COMMANDS, JOB_ADMISSIONS, SERVICE_CONFIG, UPLOAD_COMMANDS } from '../di-tokens';
import type { ImportJobCommands } from '../import-job/import-job-commands';
import { uploadCommands } from '../uploads/upload-commands';
import { UploadsHttpController } from '../uploads/uploads.http.controller';
import type { EventStore } from '@import-jobs/event-store';
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
    JobProgressFeed,
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
export class ApiModule {}
