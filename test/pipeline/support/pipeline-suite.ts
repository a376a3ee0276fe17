import type { Type } from '@nestjs/common';
import type { Messaging } from '@import-jobs/messaging';
import { ImportsApi } from './imports-api';
import { startPipelineApp, type PipelineApp } from './pipeline-app';
import { SourceBucket } from './source-bucket';
import { compareRebuildWithLiveReadModel, expectJobEventsPublished, storedJobIds } from './suite-checks';
import { testMessaging } from './topics';

/** What one pipeline test file works with: its own app, a client of its API and of the broker, its own source bucket. */
export interface PipelineSuite {
  readonly pipeline: PipelineApp;
  readonly api: ImportsApi;
  readonly messaging: Messaging;
  readonly sources: SourceBucket;
  /** Every job the file's tests start: each test pushes its own, the closing checks then cover all of them. */
  readonly jobIds: string[];
}

export interface PipelineSuiteOptions {
  readonly pieceSizeBytes: number;
  /** The app's modules; the all-in-one app when absent. */
  readonly module?: Type<unknown>;
  /** The app's `API_KEYS`; an open API when absent. */
  readonly apiKeys?: string;
  /** The app's `MAX_UPLOAD_BYTES`; the service's default when absent. */
  readonly maxUploadBytes?: number;
  /** The app's `RATE_LIMIT_PER_MINUTE`; no limit when absent. */
  readonly rateLimitPerMinute?: number;
  /** The app's `MAX_RUNNING_JOBS_PER_TENANT`; no quota when absent. */
  readonly maxRunningJobsPerTenant?: number;
  /** The app's `MAX_PIECES_OUT_PER_JOB`; the service's default when absent. */
  readonly maxPiecesOutPerJob?: number;
  /** The app's `UPLOAD_TTL_SECONDS`; the service's default when absent. */
  readonly uploadTtlSeconds?: number;
  /** The app's `ALLOWED_BUCKETS`; any bucket when absent. */
  readonly allowedBuckets?: readonly string[];
  /** The app's `MAX_STAGED_BYTES`; the service's default when absent. */
  readonly maxStagedBytes?: number;
  /** The YAML of the app's `TENANT_GRANTS_FILE`; the open mode when absent. */
  readonly tenantGrants?: string;
  /** Closes what a test started beside the app (a second worker), after the clients and before the app. */
  readonly closeBeforeApp?: () => Promise<void> | undefined;
}

/**
 * Registers, in the calling `describe`, the `beforeAll` that starts the file's pipeline app, API
 * client, test messaging and source bucket, and the `afterAll` that closes them. The fields of the
 * returned suite are there from `beforeAll` on: read them inside tests and hooks, not at the top of
 * the `describe`.
 */
export function usePipelineSuite({ closeBeforeApp, ...appOptions }: PipelineSuiteOptions): PipelineSuite {
  let pipeline: PipelineApp | undefined;
  let api: ImportsApi | undefined;
  let messaging: Messaging | undefined;
  let sources: SourceBucket | undefined;
  const jobIds: string[] = [];

  beforeAll(async () => {
    pipeline = await startPipelineApp(appOptions);
    api = new ImportsApi(pipeline.url, pipeline.log);
    messaging = testMessaging(pipeline.log);
    sources = await SourceBucket.create();
  });

  afterAll(async () => {
    await messaging?.close();
    sources?.close();
    await closeBeforeApp?.();
    await pipeline?.app.close();
  });

  return {
    get pipeline() {
      return started('pipeline', pipeline);
    },
    get api() {
      return started('api', api);
    },
    get messaging() {
      return started('messaging', messaging);
    },
    get sources() {
      return started('sources', sources);
    },
    jobIds,
  };
}

function started<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`The pipeline suite's ${name} is read before its beforeAll has set it (or that beforeAll failed)`);
  return value;
}

/**
 * Registers the checks that close every pipeline test file, over every job its tests pushed to
 * `jobIds`: the job events on the job-events topic, and a read model rebuilt from the event store.
 * Call it last in the `describe`, so that these tests run after the ones that start jobs.
 */
export function itChecksEveryJobOfTheFile(suite: PipelineSuite): void {
  it('publishes each job event once to the job-events topic, keyed by job, in order, ending with the terminal event', async () => {
    const { pipeline, messaging, jobIds } = suite;
    expect(await storedJobIds(pipeline.store)).toEqual([...jobIds].sort());
    await expectJobEventsPublished(pipeline, messaging, jobIds);
  });

  it('rebuilds from the event store a read model equal to the live one, for every job of this file', async () => {
    const { pipeline, jobIds } = suite;
    const comparison = await compareRebuildWithLiveReadModel(pipeline);

    expect(comparison.differences).toEqual([]);
    expect(comparison.rebuiltJobIds).toEqual([...jobIds].sort());
    expect(comparison.liveJobIds).toEqual(comparison.rebuiltJobIds);
  });
}
