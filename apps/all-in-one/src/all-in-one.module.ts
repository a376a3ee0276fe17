import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/application/infrastructure/infrastructure.module';
import { ApiModule } from '@import-jobs/application/modules/api.module';
import { ProjectorModule } from '@import-jobs/application/modules/projector.module';
import { WorkerModule } from '@import-jobs/application/modules/worker.module';

/** The api, the workers and the projector in one process: the default, embedded way to run. */
@Module({ imports: [InfrastructureModule, ApiModule, WorkerModule, ProjectorModule] })
export class AllInOneAppModule {}
