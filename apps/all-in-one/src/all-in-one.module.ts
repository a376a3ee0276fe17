import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';
import { ApiModule } from '@import-jobs/wiring/api.module';
import { ProjectorModule } from '@import-jobs/wiring/projector.module';
import { WorkerModule } from '@import-jobs/wiring/worker.module';

/** The api, the workers and the projector in one process: the default, embedded way to run. */
@Module({ imports: [InfrastructureModule, ApiModule, WorkerModule, ProjectorModule] })
export class AllInOneAppModule {}
