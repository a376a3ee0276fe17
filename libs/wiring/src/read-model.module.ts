import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { JobStatusQueries, PostgreSqlJobViews } from '@import-jobs/read-model';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { JOB_STATUS_QUERIES, JOB_VIEWS, SERVICE_CONFIG } from '@import-jobs/application/di-tokens';

/** The job-status tables: written by the projector, read by the API. */
@Module({
  providers: [
    {
      provide: JOB_VIEWS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => PostgreSqlJobViews.create({ connectionString: config.databaseUrl, schema: config.readModelSchema }),
    },
    { provide: JOB_STATUS_QUERIES, inject: [JOB_VIEWS], useFactory: (views: PostgreSqlJobViews) => new JobStatusQueries(views) },
  ],
  exports: [JOB_VIEWS, JOB_STATUS_QUERIES],
})
export class ReadModelModule implements OnApplicationShutdown {
  constructor(@Inject(JOB_VIEWS) private readonly views: PostgreSqlJobViews) {}

  async onApplicationShutdown(): Promise<void> {
    await this.views.close();
  }
}
