export * from './csv-dialect';
