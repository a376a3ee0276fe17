import { runMain, startBackgroundApp } from '@import-jobs/application/bootstrap';
import { ImportWorkerAppModule } from './import-worker.module';

runMain(() => startBackgroundApp(ImportWorkerAppModule));
