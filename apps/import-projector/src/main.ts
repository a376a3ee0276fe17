import { runMain, startBackgroundApp } from '@import-jobs/wiring/bootstrap';
import { ImportProjectorAppModule } from './import-projector.module';

runMain(() => startBackgroundApp(ImportProjectorAppModule));
