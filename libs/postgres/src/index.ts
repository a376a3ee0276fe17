export { inTransaction, migrateUnderLock } from './transactions';
