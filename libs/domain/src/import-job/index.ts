export * from './commands';
export * from './decide';
export * from './definition';
export * from './events';
export * from './parse-event';
export * from './piece-statuses';
export * from './plan-chunks';
export * from './seed-statuses';
export * from './state';

