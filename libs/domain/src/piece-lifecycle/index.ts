export * from './piece-lifecycle';
