import { readFileSync } from 'node:fs';
import type { TenantGrants } from '@import-jobs/domain';
import { parseApiKeyEntries, type ApiKeyEntry } from '../access/api-keys';
import { parseTenantGrants } from '../access/tenant-grants';

/** Everything the apps read from the environment, validated once at start. */
export interface ServiceConfig {
  /** Every app serves HTTP here: the API, or only health and metrics for the worker and projector. */
  readonly http: { readonly host: string; readonly port: number };
  /** Unset: `warn` when a person reads the log at a terminal, `info` when it goes to a collector. */
  readonly log: { readonly level?: LogLevel };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly topicPrefix: string;
    readonly partitions: number;
    readonly piecePartitions: number;
    readonly replicationFactor: number;
    readonly transactionTimeoutMs: number;
    /** How long the group waits for a silent member (a killed process) before giving its partitions to others. */
    readonly sessionTimeoutMs: number;
  };
  readonly eventStore: { readonly kind: 'postgresql' } | { readonly kind: 'eventstoredb'; readonly url: string };
  readonly databaseUrl: string;
  /** PostgreSQL schemas of the event store and the read model, so that deployments can share a database. */
  readonly eventStoreSchema: string;
  readonly readModelSchema: string;
  readonly s3: {
    readonly endpoint?: string;
    readonly region: string;
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  readonly reportsBucket: string;
  /** Where direct uploads are kept; jobs may always read it, whatever `allowedBuckets` says. */
  readonly uploadsBucket: string;
  readonly maxUploadBytes: number;
  /** The most a gzip source may inflate to; past it, its piece fails (a guard against gzip bombs). */
  readonly maxDecompressedBytes: number;
  /** The most one gzip source may inflate to while the planner stages it; past it, its job fails (a guard against gzip bombs). */
  readonly maxStagedBytes: number;
  /** Requests per minute per tenant (per address for a request without a valid key); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** How long an upload started with `POST /v1/uploads` may wait for its bytes and its import. */
  readonly uploadTtlSeconds: number;
  /** Jobs a tenant may run at once; 0 turns the quota off. */
  readonly maxRunningJobsPerTenant: number;
  /** The Retry-After of a request refused by the running-jobs quota. */
  readonly quotaRetryAfterSeconds: number;
  /** Progress streams (SSE) a tenant may hold open at once in one api process; 0 turns the cap off. */
  readonly maxProgressStreamsPerTenant: number;
  readonly reportLinkTtlSeconds: number;
  readonly pieceSizeBytes: number;
  /** The most pieces of one job out on the pieces topic at once: a job waits behind no more of another's. */
  readonly maxPiecesOutPerJob: number;
  /** Pieces one worker process imports at once, each in its own transaction. */
  readonly workerPiecesInFlight: number;
  readonly defaultMaxFailedRowRatio: number;
  /** Buckets a job may read; empty allows any bucket the credentials reach. */
  readonly allowedBuckets: readonly string[];
  readonly defaultTenant: string;
  /** Hashed API keys with their tenants; none configured leaves the API open for `defaultTenant`. */
  readonly apiKeys: readonly ApiKeyEntry[];
  /**
   * What each tenant may read and write, from `TENANT_GRANTS_FILE`. Absent, the service runs open:
   * any bucket `allowedBuckets` lets through, any topic that is not the service's or Kafka's.
   */
  readonly tenantGrants?: ReadonlyMap<string, TenantGrants>;
  /** On SIGTERM, how long an app may take to stop taking work, settle the piece in hand and close. */
  readonly shutdownTimeoutMs: number;
}

/**
 * Two pieces at once keep one worker process busy: while one waits for the broker's
 * acknowledgements, the other reads and encodes. On the 2-core bench machine, 1M CSV rows in pieces
 * of 8 MiB ran at 85–123k rows/s with one, 123–150k with two and 118–122k with three (bench/RESULTS.md).
 */
export const defaultWorkerPiecesInFlight = 2;

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * Every variable the apps read, for tools that check a deployment's environment (docker-compose's
 * test) without starting an app. `required` ones have no default.
 */
export const serviceSettings = {
  required: ['KAFKA_BROKERS', 'DATABASE_URL'],
  optional: [
    'HOST', 'PORT', 'LOG_LEVEL', 'KAFKA_CLIENT_ID', 'TOPIC_PREFIX', 'KAFKA_TOPIC_PARTITIONS', 'KAFKA_PIECE_PARTITIONS',
    'KAFKA_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_TIMEOUT_MS', 'KAFKA_SESSION_TIMEOUT_MS', 'SHUTDOWN_TIMEOUT_MS', 'EVENT_STORE', 'EVENTSTORE_URL', 'EVENT_STORE_SCHEMA',
    'READ_MODEL_SCHEMA', 'S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'REPORTS_BUCKET',
    'UPLOADS_BUCKET', 'MAX_UPLOAD_BYTES', 'MAX_DECOMPRESSED_BYTES', 'MAX_STAGED_BYTES', 'RATE_LIMIT_PER_MINUTE', 'REPORT_LINK_TTL_SECONDS',
    'UPLOAD_TTL_SECONDS', 'MAX_RUNNING_JOBS_PER_TENANT', 'QUOTA_RETRY_AFTER_SECONDS', 'MAX_PROGRESS_STREAMS_PER_TENANT',
    'PIECE_SIZE_BYTES', 'MAX_PIECES_OUT_PER_JOB', 'WORKER_PIECES_IN_FLIGHT', 'MAX_FAILED_ROW_RATIO', 'ALLOWED_BUCKETS', 'DEFAULT_TENANT', 'API_KEYS', 'API_KEYS_FILE', 'TENANT_GRANTS_FILE',
  ],
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks every setting, reporting all problems at once rather than the first. */
export function loadServiceConfig(env: Env = process.env): ServiceConfig {
  const problems: string[] = [];
  const text = (name: string, fallback?: string): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback === undefined) problems.push(`${name} is required`);
    return fallback ?? '';
  };
  const number = (name: string, fallback: number, { min, max, integer }: { min: number; max: number; integer: boolean }): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      problems.push(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not "${raw}"`);
      return fallback;
    }
    return value;
  };
  const identifier = (name: string, fallback: string, maxLength: number): string => {
    const value = text(name, fallback);
    if (!/^[a-z_][a-z0-9_]*$/.test(value) || value.length > maxLength) {
      problems.push(`${name} must be a lower-case SQL identifier of at most ${maxLength} characters, not "${value}"`);
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const value = text(name, fallback);
    if (allowed.includes(value as T)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}, not "${value}"`);
    return fallback;
  };
  /** A URL setting: checked at start, since a driver's own complaint comes later and names no variable. */
  const url = (name: string, protocols: readonly string[], fallback?: string): string => {
    const value = text(name, fallback);
    if (!value) return value;
    const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
    if (protocol === undefined || !protocols.includes(protocol)) {
      problems.push(`${name} must be a ${protocols.map((allowed) => `${allowed}//`).join(' or ')} URL, not "${redacted(value)}"`);
    }
    return value;
  };
  const list = (name: string): string[] =>
    (env[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);

  const brokers = list('KAFKA_BROKERS');
  if (brokers.length === 0) problems.push('KAFKA_BROKERS is required (comma-separated host:port)');
  const badBrokers = brokers.filter((broker) => !/^[^\s:/]+:\d{1,5}$/.test(broker) || Number(broker.split(':')[1]) > 65535);
  if (badBrokers.length > 0) problems.push(`KAFKA_BROKERS must list host:port entries, not "${badBrokers.join('", "')}"`);
  const eventStoreKind = text('EVENT_STORE', 'postgresql');
  if (eventStoreKind !== 'postgresql' && eventStoreKind !== 'eventstoredb') {
    problems.push(`EVENT_STORE must be "postgresql" or "eventstoredb", not "${eventStoreKind}"`);
  }
  const eventStore =
    eventStoreKind === 'eventstoredb'
      ? { kind: 'eventstoredb' as const, url: url('EVENTSTORE_URL', ['esdb:', 'esdb+discover:']) }
      : { kind: 'postgresql' as const };
  const accessKeyId = env.S3_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY?.trim();
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');

  const apiKeys = (() => {
    const fromEnv = parseApiKeyEntries(env.API_KEYS ?? '', 'API_KEYS');
    const file = env.API_KEYS_FILE?.trim();
    let fromFile = { entries: [] as ApiKeyEntry[], problems: [] as string[] };
    if (file) {
      try {
        fromFile = parseApiKeyEntries(readFileSync(file, 'utf8'), `API_KEYS_FILE (${file})`);
      } catch (error) {
        problems.push(`API_KEYS_FILE cannot be read: ${(error as Error).message}`);
      }
    }
    problems.push(...fromEnv.problems, ...fromFile.problems);
    return [...fromEnv.entries, ...fromFile.entries];
  })();

  const tenantGrants = (() => {
    const file = env.TENANT_GRANTS_FILE?.trim();
    if (!file) return undefined;
    try {
      const parsed = parseTenantGrants(readFileSync(file, 'utf8'), `TENANT_GRANTS_FILE (${file})`);
      problems.push(...parsed.problems);
      return parsed.grants;
    } catch (error) {
      problems.push(`TENANT_GRANTS_FILE cannot be read: ${(error as Error).message}`);
      return undefined;
    }
  })();

  const config: ServiceConfig = {
    http: { host: text('HOST', '127.0.0.1'), port: number('PORT', 3000, { min: 0, max: 65535, integer: true }) },
    log: env['LOG_LEVEL']?.trim() ? { level: oneOf('LOG_LEVEL', 'info', logLevels) } : {},
    kafka: {
      brokers,
      clientId: text('KAFKA_CLIENT_ID', 'import-jobs'),
      topicPrefix: text('TOPIC_PREFIX', 'import-jobs'),
      partitions: number('KAFKA_TOPIC_PARTITIONS', 3, { min: 1, max: 1000, integer: true }),
      piecePartitions: number('KAFKA_PIECE_PARTITIONS', 12, { min: 1, max: 1000, integer: true }),
      replicationFactor: number('KAFKA_REPLICATION_FACTOR', 1, { min: 1, max: 10, integer: true }),
      transactionTimeoutMs: number('KAFKA_TRANSACTION_TIMEOUT_MS', 300_000, { min: 1000, max: 900_000, integer: true }),
      // The broker's group.min.session.timeout.ms (6 s by default) is the floor.
      sessionTimeoutMs: number('KAFKA_SESSION_TIMEOUT_MS', 30_000, { min: 6_000, max: 300_000, integer: true }),
    },
    eventStore,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    // The event store names its NOTIFY channel after its schema, within PostgreSQL's 63 bytes.
    eventStoreSchema: identifier('EVENT_STORE_SCHEMA', 'event_store', 41),
    readModelSchema: identifier('READ_MODEL_SCHEMA', 'read_model', 63),
    s3: {
      ...(env.S3_ENDPOINT?.trim() && { endpoint: url('S3_ENDPOINT', ['http:', 'https:']) }),
      region: text('S3_REGION', 'us-east-1'),
      ...(accessKeyId && secretAccessKey && { credentials: { accessKeyId, secretAccessKey } }),
    },
    reportsBucket: text('REPORTS_BUCKET', 'import-jobs-reports'),
    uploadsBucket: text('UPLOADS_BUCKET', 'import-jobs-uploads'),
    maxUploadBytes: number('MAX_UPLOAD_BYTES', 1024 ** 3, { min: 1, max: 5 * 1024 ** 4, integer: true }),
    maxDecompressedBytes: number('MAX_DECOMPRESSED_BYTES', 10 * 1024 ** 3, { min: 1024, max: 1024 ** 5, integer: true }),
    maxStagedBytes: number('MAX_STAGED_BYTES', 64 * 1024 ** 3, { min: 1024, max: 1024 ** 5, integer: true }),
    rateLimitPerMinute: number('RATE_LIMIT_PER_MINUTE', 0, { min: 0, max: 1_000_000, integer: true }),
    uploadTtlSeconds: number('UPLOAD_TTL_SECONDS', 86_400, { min: 1, max: 30 * 86_400, integer: true }),
    maxRunningJobsPerTenant: number('MAX_RUNNING_JOBS_PER_TENANT', 0, { min: 0, max: 100_000, integer: true }),
    quotaRetryAfterSeconds: number('QUOTA_RETRY_AFTER_SECONDS', 30, { min: 1, max: 3600, integer: true }),
    maxProgressStreamsPerTenant: number('MAX_PROGRESS_STREAMS_PER_TENANT', 20, { min: 0, max: 100_000, integer: true }),
    reportLinkTtlSeconds: number('REPORT_LINK_TTL_SECONDS', 3600, { min: 60, max: 604800, integer: true }),
    pieceSizeBytes: number('PIECE_SIZE_BYTES', 32 * 1024 * 1024, { min: 1024, max: 1024 ** 3, integer: true }),
    maxPiecesOutPerJob: number('MAX_PIECES_OUT_PER_JOB', 8, { min: 1, max: 10_000, integer: true }),
    workerPiecesInFlight: number('WORKER_PIECES_IN_FLIGHT', defaultWorkerPiecesInFlight, { min: 1, max: 64, integer: true }),
    defaultMaxFailedRowRatio: number('MAX_FAILED_ROW_RATIO', 1, { min: 0, max: 1, integer: false }),
    allowedBuckets: list('ALLOWED_BUCKETS'),
    defaultTenant: text('DEFAULT_TENANT', 'default'),
    apiKeys,
    ...(tenantGrants && { tenantGrants }),
    shutdownTimeoutMs: number('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 1_000, max: 600_000, integer: true }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A URL as a problem may quote it: without its password. */
function redacted(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
