import { runMain, startBackgroundApp } from '@import-jobs/application/bootstrap';
import { ImportProjectorAppModule } from './import-projector.module';

runMain(() => startBackgroundApp(ImportProjectorAppModule));
