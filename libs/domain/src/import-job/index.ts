export * from './commands';
export * from './decide';
export * from './definition';
export * from './events';
export * from './piece-statuses';
export * from './plan-chunks';
export * from './seed-statuses';
export * from './state';

/** One stream per job; the prefix lets a reader of the whole store tell job streams apart. */
export function importJobStreamId(jobId: string): string {
  return `import-job-${jobId}`;
}
