import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { RefusalFilter } from '../http/refusal.filter';
import { JobStatusHttpController } from '../job-status/job-status.http.controller';
import { GetImportJobHandler, ListImportJobsHandler } from '../job-status/job-status.queries';
import { RequestImportHandler } from '../request-import/request-import.handler';
import { RequestImportHttpController } from '../request-import/request-import.http.controller';
import { RequestImportKafkaController } from '../request-import/request-import.kafka.controller';
import { ReadModelModule } from './read-model.module';

/** The request side: HTTP and the Kafka command topic, both onto the same command and query bus. */
@Module({
  imports: [CqrsModule.forRoot(), ReadModelModule],
  controllers: [RequestImportHttpController, JobStatusHttpController, RequestImportKafkaController],
  providers: [RequestImportHandler, GetImportJobHandler, ListImportJobsHandler, { provide: APP_FILTER, useClass: RefusalFilter }],
})
export class ApiModule {}
