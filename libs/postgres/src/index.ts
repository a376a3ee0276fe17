export { inTransaction, migrateUnderLock } from './transactions';
export { listen, type ListenHandlers, type ListeningConnection } from './listen';
export { convertJsonbColumnsToJson } from './json-columns';
