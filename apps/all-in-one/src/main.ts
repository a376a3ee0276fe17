import { runMain, startHttpApp } from '@import-jobs/wiring/bootstrap';
import { AllInOneAppModule } from './all-in-one.module';

runMain(() => startHttpApp(AllInOneAppModule));
