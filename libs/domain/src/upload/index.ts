export * from './upload';
