import { Module } from '@nestjs/common';
import { ApiModule } from '@import-jobs/application/modules/api.module';
import { InfrastructureModule } from '@import-jobs/application/infrastructure/infrastructure.module';

@Module({ imports: [InfrastructureModule, ApiModule] })
export class ImportApiAppModule {}
