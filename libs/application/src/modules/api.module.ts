import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TenantGuard } from '../access/tenant.guard';
import { CancelImportHandler } from '../cancel-import/cancel-import.handler';
import { CancelImportHttpController } from '../cancel-import/cancel-import.http.controller';
import { CancelImportKafkaController } from '../cancel-import/cancel-import.kafka.controller';
import { RefusalFilter } from '../http/refusal.filter';
import { GetImportJobHistoryHandler, JobHistoryHttpController } from '../job-history/job-history.query';
import { JobStatusHttpController } from '../job-status/job-status.http.controller';
import { GetImportJobHandler, ListImportJobsHandler } from '../job-status/job-status.queries';
import { RequestImportHandler } from '../request-import/request-import.handler';
import { RequestImportHttpController } from '../request-import/request-import.http.controller';
import { RequestImportKafkaController } from '../request-import/request-import.kafka.controller';
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
  ],
  providers: [
    RequestImportHandler,
    CancelImportHandler,
    GetImportJobHandler,
    ListImportJobsHandler,
    GetImportJobHistoryHandler,
    { provide: APP_FILTER, useClass: RefusalFilter },
    { provide: APP_GUARD, useClass: TenantGuard },
  ],
})
export class ApiModule {}
