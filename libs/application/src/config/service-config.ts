import { readFileSync } from 'node:fs';
import { parseApiKeyEntries, type ApiKeyEntry } from '../access/api-keys';

/** Everything the apps read from the environment, validated once at start. */
export interface ServiceConfig {
  readonly http: { readonly host: string; readonly port: number };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly topicPrefix: string;
    readonly partitions: number;
    readonly piecePartitions: number;
    readonly replicationFactor: number;
    readonly transactionTimeoutMs: number;
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
  /** Requests per minute per API key (per address without keys); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  readonly reportLinkTtlSeconds: number;
  readonly pieceSizeBytes: number;
  readonly defaultMaxFailedRowRatio: number;
  /** Buckets a job may read; empty allows any bucket the credentials reach. */
  readonly allowedBuckets: readonly string[];
  readonly defaultTenant: string;
  /** Hashed API keys with their tenants; none configured leaves the API open for `defaultTenant`. */
  readonly apiKeys: readonly ApiKeyEntry[];
}

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
  const list = (name: string): string[] =>
    (env[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);

  const brokers = list('KAFKA_BROKERS');
  if (brokers.length === 0) problems.push('KAFKA_BROKERS is required (comma-separated host:port)');
  const eventStoreKind = text('EVENT_STORE', 'postgresql');
  if (eventStoreKind !== 'postgresql' && eventStoreKind !== 'eventstoredb') {
    problems.push(`EVENT_STORE must be "postgresql" or "eventstoredb", not "${eventStoreKind}"`);
  }
  const eventStore =
    eventStoreKind === 'eventstoredb' ? { kind: 'eventstoredb' as const, url: text('EVENTSTORE_URL') } : { kind: 'postgresql' as const };
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

  const config: ServiceConfig = {
    http: { host: text('HOST', '127.0.0.1'), port: number('PORT', 3000, { min: 0, max: 65535, integer: true }) },
    kafka: {
      brokers,
      clientId: text('KAFKA_CLIENT_ID', 'import-jobs'),
      topicPrefix: text('TOPIC_PREFIX', 'import-jobs'),
      partitions: number('KAFKA_TOPIC_PARTITIONS', 3, { min: 1, max: 1000, integer: true }),
      piecePartitions: number('KAFKA_PIECE_PARTITIONS', 12, { min: 1, max: 1000, integer: true }),
      replicationFactor: number('KAFKA_REPLICATION_FACTOR', 1, { min: 1, max: 10, integer: true }),
      transactionTimeoutMs: number('KAFKA_TRANSACTION_TIMEOUT_MS', 300_000, { min: 1000, max: 900_000, integer: true }),
    },
    eventStore,
    databaseUrl: text('DATABASE_URL'),
    // The event store names its NOTIFY channel after its schema, within PostgreSQL's 63 bytes.
    eventStoreSchema: identifier('EVENT_STORE_SCHEMA', 'event_store', 41),
    readModelSchema: identifier('READ_MODEL_SCHEMA', 'read_model', 63),
    s3: {
      ...(env.S3_ENDPOINT?.trim() && { endpoint: env.S3_ENDPOINT.trim() }),
      region: text('S3_REGION', 'us-east-1'),
      ...(accessKeyId && secretAccessKey && { credentials: { accessKeyId, secretAccessKey } }),
    },
    reportsBucket: text('REPORTS_BUCKET', 'import-jobs-reports'),
    uploadsBucket: text('UPLOADS_BUCKET', 'import-jobs-uploads'),
    maxUploadBytes: number('MAX_UPLOAD_BYTES', 1024 ** 3, { min: 1, max: 5 * 1024 ** 4, integer: true }),
    maxDecompressedBytes: number('MAX_DECOMPRESSED_BYTES', 10 * 1024 ** 3, { min: 1024, max: 1024 ** 5, integer: true }),
    rateLimitPerMinute: number('RATE_LIMIT_PER_MINUTE', 0, { min: 0, max: 1_000_000, integer: true }),
    reportLinkTtlSeconds: number('REPORT_LINK_TTL_SECONDS', 3600, { min: 60, max: 604800, integer: true }),
    pieceSizeBytes: number('PIECE_SIZE_BYTES', 32 * 1024 * 1024, { min: 1024, max: 1024 ** 3, integer: true }),
    defaultMaxFailedRowRatio: number('MAX_FAILED_ROW_RATIO', 1, { min: 0, max: 1, integer: false }),
    allowedBuckets: list('ALLOWED_BUCKETS'),
    defaultTenant: text('DEFAULT_TENANT', 'default'),
    apiKeys,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
