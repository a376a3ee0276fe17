import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { startHttpApp } from '@import-jobs/wiring/bootstrap';
import { EVENT_STORE, JOB_VIEWS, TOPICS } from '@import-jobs/application/di-tokens';
import { S3_CONNECTION } from '@import-jobs/wiring/infrastructure.module';
import type { EventStore } from '@import-jobs/event-store';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import type { PostgreSqlJobViews } from '@import-jobs/read-model';
import { AllInOneAppModule } from '../../../apps/all-in-one/src/all-in-one.module';
import { harnessEnv } from '../../harness/env';
import { randomSuffix } from './random-suffix';
import { ServiceLog } from './service-log';

/** What one test file's service instance owns alone in the run's shared database, broker and S3 server. */
export interface PipelineSettings {
  readonly topicPrefix: string;
  readonly eventStoreSchema: string;
  readonly readModelSchema: string;
  readonly reportsBucket: string;
  readonly pieceSizeBytes: number;
}

export interface PipelineApp {
  readonly app: INestApplicationContext;
  readonly url: string;
  readonly settings: PipelineSettings;
  readonly topics: ImportJobTopics;
  /** The app's own adapters, so that tests read exactly what the service wrote. */
  readonly store: EventStore;
  readonly views: PostgreSqlJobViews;
  readonly s3: S3Client;
  readonly log: ServiceLog;
}

/**
 * Starts the all-in-one app (HTTP, command topic, workers, planner, finisher, projector, job-events
 * publisher), or another composition of its modules, the way `apps/all-in-one` does, on a free port, with its own topics, schemas and
 * reports bucket. The service reads its settings from process.env, so they are set before it starts;
 * a second app started later in the same file (a second worker) finds the same ones there.
 */
export async function startPipelineApp({
  pieceSizeBytes,
  module = AllInOneAppModule,
  apiKeys = '',
  maxUploadBytes,
  rateLimitPerMinute,
  maxRunningJobsPerTenant,
  uploadTtlSeconds,
  allowedBuckets,
  maxStagedBytes,
  tenantGrants,
  maxPiecesOutPerJob,
}: {
  pieceSizeBytes: number;
  module?: Type<unknown>;
  /** `API_KEYS` for this app; none leaves it open. Set every time, since process.env outlives a test file. */
  apiKeys?: string;
  /** `MAX_UPLOAD_BYTES` for this app; the service's default when absent. */
  maxUploadBytes?: number;
  /** `RATE_LIMIT_PER_MINUTE` for this app; no limit when absent. */
  rateLimitPerMinute?: number;
  /** `MAX_RUNNING_JOBS_PER_TENANT` for this app; no quota when absent. */
  maxRunningJobsPerTenant?: number;
  /** `UPLOAD_TTL_SECONDS` for this app; the service's default when absent. */
  uploadTtlSeconds?: number;
  /** `ALLOWED_BUCKETS` for this app; any bucket when absent. */
  allowedBuckets?: readonly string[];
  /** `MAX_STAGED_BYTES` for this app; the service's default when absent. */
  maxStagedBytes?: number;
  /** The YAML of this app's `TENANT_GRANTS_FILE`; the open mode when absent. */
  tenantGrants?: string;
  /** `MAX_PIECES_OUT_PER_JOB` for this app; the service's default when absent. */
  maxPiecesOutPerJob?: number;
}): Promise<PipelineApp> {
  // The harness's servers: read here so that running outside jest's int project fails clearly.
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) harnessEnv(name);
  const suffix = randomSuffix();
  const settings: PipelineSettings = {
    topicPrefix: `pipeline-test.${suffix}`,
    eventStoreSchema: `pipeline_events_${suffix}`,
    readModelSchema: `pipeline_views_${suffix}`,
    reportsBucket: `pipeline-reports-${suffix}`,
    pieceSizeBytes,
  };
  Object.assign(process.env, {
    TOPIC_PREFIX: settings.topicPrefix,
    EVENT_STORE_SCHEMA: settings.eventStoreSchema,
    READ_MODEL_SCHEMA: settings.readModelSchema,
    REPORTS_BUCKET: settings.reportsBucket,
    PIECE_SIZE_BYTES: String(pieceSizeBytes),
    KAFKA_CLIENT_ID: `pipeline-test-${suffix}`,
    HOST: '127.0.0.1',
    PORT: '0',
    API_KEYS: apiKeys,
    MAX_UPLOAD_BYTES: maxUploadBytes === undefined ? '' : String(maxUploadBytes),
    RATE_LIMIT_PER_MINUTE: rateLimitPerMinute === undefined ? '' : String(rateLimitPerMinute),
    MAX_RUNNING_JOBS_PER_TENANT: maxRunningJobsPerTenant === undefined ? '' : String(maxRunningJobsPerTenant),
    UPLOAD_TTL_SECONDS: uploadTtlSeconds === undefined ? '' : String(uploadTtlSeconds),
    ALLOWED_BUCKETS: allowedBuckets === undefined ? '' : allowedBuckets.join(','),
    MAX_STAGED_BYTES: maxStagedBytes === undefined ? '' : String(maxStagedBytes),
    TENANT_GRANTS_FILE: tenantGrants === undefined ? '' : await writtenToFile(`grants-${suffix}.yaml`, tenantGrants),
    MAX_PIECES_OUT_PER_JOB: maxPiecesOutPerJob === undefined ? '' : String(maxPiecesOutPerJob),
  });
  const log = ServiceLog.capture();
  const { app, url } = await startHttpApp(module, { logDestination: log });
  if (url === undefined) throw new Error('The pipeline app started without an HTTP address');
  return {
    app,
    url,
    settings,
    topics: app.get<ImportJobTopics>(TOPICS),
    store: app.get<EventStore>(EVENT_STORE),
    views: app.get<PostgreSqlJobViews>(JOB_VIEWS),
    s3: app.get<S3Client>(S3_CONNECTION),
    log,
  };
}

async function writtenToFile(name: string, content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'import-jobs-test-')), name);
  await writeFile(path, content);
  return path;
}
