/** Nest injection tokens for the ports: symbols, so that only these bindings can satisfy them. */
export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const EVENT_STORE = Symbol('EventStore');
export const IMPORT_JOB_STREAMS = Symbol('ImportJobStreams');
export const MESSAGING = Symbol('Messaging');
export const TOPICS = Symbol('ImportJobTopics');
export const OBJECT_STORE = Symbol('ObjectStore');
export const JOB_VIEWS = Symbol('JobViews');
export const JOB_STATUS_QUERIES = Symbol('JobStatusQueries');
export const LOG = Symbol('Log');
export const API_KEYS = Symbol('ApiKeys');
export const UPLOAD_COMMANDS = Symbol('UploadCommands');
export const JOB_ADMISSIONS = Symbol('JobAdmissions');
