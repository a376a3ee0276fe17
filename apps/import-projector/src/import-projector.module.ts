import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';
import { ProjectorModule } from '@import-jobs/wiring/projector.module';

@Module({ imports: [InfrastructureModule, ProjectorModule] })
export class ImportProjectorAppModule {}
