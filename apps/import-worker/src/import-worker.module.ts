import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';
import { WorkerModule } from '@import-jobs/wiring/worker.module';

@Module({ imports: [InfrastructureModule, WorkerModule] })
export class ImportWorkerAppModule {}
