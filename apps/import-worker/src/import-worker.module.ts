import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/application/infrastructure/infrastructure.module';
import { WorkerModule } from '@import-jobs/application/modules/worker.module';

@Module({ imports: [InfrastructureModule, WorkerModule] })
export class ImportWorkerAppModule {}
