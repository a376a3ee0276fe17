import { runMain, startHttpApp } from '@import-jobs/application/bootstrap';
import { ImportApiAppModule } from './import-api.module';

runMain(() => startHttpApp(ImportApiAppModule));
