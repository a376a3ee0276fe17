export * from './decider';
export * from './errors';
export * from './json';
export * from './import-job';
