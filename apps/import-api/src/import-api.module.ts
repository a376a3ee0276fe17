import { Module } from '@nestjs/common';
import { ApiModule } from '@import-jobs/wiring/api.module';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';

@Module({ imports: [InfrastructureModule, ApiModule] })
export class ImportApiAppModule {}
