export * from './import-jobs-client';
