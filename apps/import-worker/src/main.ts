import { runMain, startBackgroundApp } from '@import-jobs/wiring/bootstrap';
import { ImportWorkerAppModule } from './import-worker.module';

runMain(() => startBackgroundApp(ImportWorkerAppModule));
