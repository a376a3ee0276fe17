import { runMain, startHttpApp } from '@import-jobs/wiring/bootstrap';
import { ImportApiAppModule } from './import-api.module';

runMain(() => startHttpApp(ImportApiAppModule));
