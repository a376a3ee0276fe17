import 'reflect-metadata';
import { Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Messaging } from '@import-jobs/messaging';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { FastifyRequest } from 'fastify';
import { presentedKeyOf, type ApiKeys } from '@import-jobs/application/access/api-keys';
import { TooManyRequestsError } from '@import-jobs/application/access/access.errors';
import { ImportCommandTransport } from '@import-jobs/application/command-topic/import-command.transport';
import { ConfigError, loadServiceConfig, type ServiceConfig } from '@import-jobs/application/config/service-config';
import { API_KEYS, LOG, MESSAGING, SERVICE_CONFIG, TOPICS } from '@import-jobs/application/di-tokens';
import { isOperationsPath, loggingModule, requestIdHeader, requestIdOf } from './logging';
import { OperationsModule } from './metrics/operations.module';
import { serviceConsumerGroups } from './metrics/service-metrics';
import { serveOpenApi } from '@import-jobs/application/openapi/openapi';
import type { Log } from '@import-jobs/application/shared/log';
import { exitOnSignals } from './exit-on-signals';

export interface StartedApp {
  readonly app: INestApplicationContext;
  /** The HTTP address, for apps that serve HTTP. */
  readonly url?: string;
}

/** What a caller may change about how an app runs; the rest is configuration. */
export interface StartOptions {
  /** Where log lines go; stdout (pretty on a terminal, JSON otherwise) when absent. */
  readonly logDestination?: DestinationStream;
}

/**
 * Starts an app that serves HTTP and the Kafka command topic (the api and all-in-one apps).
 * Configuration is checked before anything connects, so a bad setting is one clear message.
 */
export async function startHttpApp(module: Type<unknown>, options: StartOptions = {}): Promise<StartedApp> {
  const config = loadServiceConfig();
  const app = await createApp(module, config, options);
  // Uploads stream through as they arrive; the size cap stops one at the limit, not after it.
  await app.register(fastifyMultipart, { limits: { fileSize: config.maxUploadBytes, files: 1, fields: 20, fieldSize: 1024 * 1024 } });
  if (config.rateLimitPerMinute > 0) await app.register(fastifyRateLimit, rateLimitOptions(config.rateLimitPerMinute, app.get<ApiKeys>(API_KEYS)));
  app.connectMicroservice(
    {
      strategy: new ImportCommandTransport({
        messaging: app.get<Messaging>(MESSAGING),
        topics: app.get<ImportJobTopics>(TOPICS),
        groupId: serviceConsumerGroups(config.kafka.topicPrefix, app.get<ImportJobTopics>(TOPICS)).commandHandlers.groupId,
        defaultTenant: app.get<ServiceConfig>(SERVICE_CONFIG).defaultTenant,
        keys: app.get<ApiKeys>(API_KEYS),
        log: app.get<Log>(LOG),
      }),
    },
    { inheritAppConfig: true },
  );
  serveOpenApi(app);
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  return { app, url: await app.getUrl() };
}

/**
 * Starts an app of background tasks (the worker and projector apps). It serves HTTP too, but only
 * health and metrics, so that an orchestrator can probe and scrape it like the api.
 */
export async function startBackgroundApp(module: Type<unknown>, options: StartOptions = {}): Promise<StartedApp> {
  const config = loadServiceConfig();
  const app = await createApp(module, config, options);
  await app.listen(config.http.port, config.http.host);
  return { app, url: await app.getUrl() };
}

/** The app's own modules under the ones every app has: structured logs, health and metrics. */
async function createApp(module: Type<unknown>, config: ServiceConfig, { logDestination }: StartOptions): Promise<NestFastifyApplication> {
  @Module({ imports: [loggingModule(config.log.level, logDestination), OperationsModule, module] })
  class ServiceAppModule {}

  const adapter = new FastifyAdapter({ bodyLimit: 10 * 1024 * 1024, genReqId: requestIdOf });
  // A failed start is rethrown for runMain to report, rather than aborting the process with a core dump.
  const app = await NestFactory.create<NestFastifyApplication>(ServiceAppModule, adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(PinoNestLogger));
  // The caller's request id, or the one made up for it, comes back so both sides can quote it.
  adapter.getInstance().addHook('onRequest', async (request, reply) => {
    void reply.header(requestIdHeader, request.id);
  });
  return app;
}

/**
 * Per tenant, so that one tenant cannot starve the others; answered in the service's error shape,
 * with Retry-After.
 */
function rateLimitOptions(max: number, keys: ApiKeys): RateLimitPluginOptions {
  return {
    max,
    timeWindow: 60_000,
    keyGenerator: (request) => rateLimitBucketOf(request, keys),
    // An orchestrator probing every few seconds must never be told to slow down.
    allowList: (request) => isOperationsPath(request.url),
    errorResponseBuilder: (_request, { after }) => new TooManyRequestsError(`too many requests: at most ${max} a minute; retry in ${after}`),
  };
}

/**
 * The tenant a valid key names, however the header spells it (`Bearer`, `bearer`, `Token`), so that
 * a tenant cannot multiply its allowance by respelling its key. A request without a valid key,
 * which is refused anyway, counts against its address: headers made up by the thousand would
 * otherwise each get a fresh bucket, and push real tenants' buckets out of the limiter's cache.
 */
function rateLimitBucketOf(request: FastifyRequest, keys: ApiKeys): string {
  const presentedKey = keys.enabled ? presentedKeyOf(request.headers.authorization) : undefined;
  const tenantId = presentedKey === undefined ? undefined : keys.tenantOf(presentedKey);
  return tenantId === undefined ? `address:${request.ip}` : `tenant:${tenantId}`;
}

/** The entry point of each app: a configuration error is printed as it is, without a stack. */
export function runMain(start: () => Promise<StartedApp>): void {
  start().then(
    ({ app, url }) => {
      if (url) console.log(`import-jobs listening on ${url}`);
      exitOnSignals(app, app.get<ServiceConfig>(SERVICE_CONFIG).shutdownTimeoutMs, app.get<Log>(LOG));
    },
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
