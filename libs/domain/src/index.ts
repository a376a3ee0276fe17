export * from './decider';
export * from './errors';
export * from './json';
export * from './import-job';
export * from './upload';
export * from './admission';
export * from './access';
export * from './piece-lifecycle';
