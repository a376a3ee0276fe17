import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/application/infrastructure/infrastructure.module';
import { ProjectorModule } from '@import-jobs/application/modules/projector.module';

@Module({ imports: [InfrastructureModule, ProjectorModule] })
export class ImportProjectorAppModule {}
