import { ConfigError, loadServiceConfig, serviceSettings } from './service-config';

describe('service configuration', () => {
  const minimal = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://localhost/import_jobs' };

  it('fills every default from a minimal environment', () => {
    expect(loadServiceConfig(minimal)).toMatchObject({
      http: { host: '127.0.0.1', port: 3000 },
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'import-jobs', topicPrefix: 'import-jobs' },
      eventStore: { kind: 'postgresql' },
      s3: { region: 'us-east-1' },
      reportsBucket: 'import-jobs-reports',
      pieceSizeBytes: 32 * 1024 * 1024,
      maxPiecesOutPerJob: 8,
      maxStagedBytes: 64 * 1024 ** 3,
      defaultMaxFailedRowRatio: 1,
      allowedBuckets: [],
    });
  });

  it('reads exactly the variables it declares, so that a deployment can be checked against them', () => {
    const read = new Set<string>();
    const env = new Proxy({ ...minimal, EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', S3_ENDPOINT: 'http://localhost:9000' }, {
      get: (target, name: string) => {
        read.add(name);
        return target[name as keyof typeof target];
      },
    });
    loadServiceConfig(env);
    expect([...read].sort()).toEqual([...serviceSettings.required, ...serviceSettings.optional].sort());
  });

  it('refuses malformed addresses and levels, quoting the value without its password', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'kafka:9092,kafka,host:99999', DATABASE_URL: 'mysql://user:secret@db/x', S3_ENDPOINT: 'minio:9000', LOG_LEVEL: 'loud' })).toEqual([
      'KAFKA_BROKERS must list host:port entries, not "kafka", "host:99999"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"',
      'DATABASE_URL must be a postgres:// or postgresql:// URL, not "mysql://user:***@db/x"',
      'S3_ENDPOINT must be a http:// or https:// URL, not "minio:9000"',
    ]);
    expect(problemsOf({ ...minimal, EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'localhost:2113' })).toEqual([
      'EVENTSTORE_URL must be a esdb:// or esdb+discover:// URL, not "localhost:2113"',
    ]);
  });

  it('lists every problem at once', () => {
    let thrown: unknown;
    try {
      loadServiceConfig({ PORT: 'eighty', EVENT_STORE: 'eventstoredb', S3_ACCESS_KEY_ID: 'only-half', MAX_FAILED_ROW_RATIO: '2' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      'KAFKA_BROKERS is required (comma-separated host:port)',
      'EVENTSTORE_URL is required',
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
      'PORT must be a whole number from 0 to 65535, not "eighty"',
      'DATABASE_URL is required',
      'MAX_FAILED_ROW_RATIO must be a number from 0 to 1, not "2"',
    ]);
  });

  it('takes the pieces a worker imports at once as a whole number from 1 to 64', () => {
    expect(loadServiceConfig(minimal).workerPiecesInFlight).toBe(2);
    expect(loadServiceConfig({ ...minimal, WORKER_PIECES_IN_FLIGHT: '4' }).workerPiecesInFlight).toBe(4);
    expect(problemsOf({ ...minimal, WORKER_PIECES_IN_FLIGHT: '0' })).toEqual(['WORKER_PIECES_IN_FLIGHT must be a whole number from 1 to 64, not "0"']);
  });

  it('takes the most pieces a job may have out at once as a whole number of at least one', () => {
    expect(loadServiceConfig({ ...minimal, MAX_PIECES_OUT_PER_JOB: '32' }).maxPiecesOutPerJob).toBe(32);
    expect(problemsOf({ ...minimal, MAX_PIECES_OUT_PER_JOB: '0' })).toEqual(['MAX_PIECES_OUT_PER_JOB must be a whole number from 1 to 10000, not "0"']);
    expect(problemsOf({ ...minimal, MAX_PIECES_OUT_PER_JOB: '2.5' })).toEqual(['MAX_PIECES_OUT_PER_JOB must be a whole number from 1 to 10000, not "2.5"']);
  });

  it('takes the most a gzip source may inflate to while it is staged as a whole number of bytes, from 1 KiB', () => {
    expect(loadServiceConfig({ ...minimal, MAX_STAGED_BYTES: '1048576' }).maxStagedBytes).toBe(1024 * 1024);
    expect(problemsOf({ ...minimal, MAX_STAGED_BYTES: '100' })[0]).toMatch(/^MAX_STAGED_BYTES must be a whole number from 1024 to /);
  });
});

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadServiceConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}
