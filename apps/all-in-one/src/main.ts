import { runMain, startHttpApp } from '@import-jobs/application/bootstrap';
import { AllInOneAppModule } from './all-in-one.module';

runMain(() => startHttpApp(AllInOneAppModule));
