export { inTransaction, migrateUnderLock } from './transactions';
export { listen, type ListenHandlers, type ListeningConnection } from './listen';
export { convertJsonbColumnsToJson } from './json-columns';
export { migrated, poolOf, quotedSchema, type PoolInUse, type PoolSource } from './pool';
export { CheckpointTable, type CheckpointPosition } from './checkpoints';
