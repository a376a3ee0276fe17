import { ConfigError, loadServiceConfig } from './service-config';

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
      defaultMaxFailedRowRatio: 1,
      allowedBuckets: [],
    });
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
});
