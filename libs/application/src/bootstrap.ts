import 'reflect-metadata';
import { type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Messaging, ImportJobTopics } from '@import-jobs/messaging';
import type { ApiKeys } from './access/api-keys';
import { TooManyRequestsError } from './access/access.errors';
import { ImportCommandTransport } from './command-topic/import-command.transport';
import { ConfigError, loadServiceConfig, type ServiceConfig } from './config/service-config';
import { API_KEYS, LOG, MESSAGING, SERVICE_CONFIG, TOPICS } from './di-tokens';
import type { Log } from './shared/log';

export interface StartedApp {
  readonly app: INestApplicationContext;
  /** The HTTP address, for apps that serve HTTP. */
  readonly url?: string;
}

/**
 * Starts an app that serves HTTP and the Kafka command topic (the api and all-in-one apps).
 * Configuration is checked before anything connects, so a bad setting is one clear message.
 */
export async function startHttpApp(module: Type<unknown>): Promise<StartedApp> {
  const config = loadServiceConfig();
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter({ bodyLimit: 10 * 1024 * 1024 }), {
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  // Uploads stream through as they arrive; the size cap stops one at the limit, not after it.
  await app.register(fastifyMultipart, { limits: { fileSize: config.maxUploadBytes, files: 1, fields: 20, fieldSize: 1024 * 1024 } });
  if (config.rateLimitPerMinute > 0) await app.register(fastifyRateLimit, rateLimitOptions(config.rateLimitPerMinute));
  app.connectMicroservice(
    {
      strategy: new ImportCommandTransport({
        messaging: app.get<Messaging>(MESSAGING),
        topics: app.get<ImportJobTopics>(TOPICS),
        groupId: `${config.kafka.topicPrefix}.command-handlers`,
        defaultTenant: app.get<ServiceConfig>(SERVICE_CONFIG).defaultTenant,
        keys: app.get<ApiKeys>(API_KEYS),
        log: app.get<Log>(LOG),
      }),
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  return { app, url: await app.getUrl() };
}

/**
 * Per API key, so that one client cannot starve the others; answered in the service's error shape,
 * with Retry-After.
 */
function rateLimitOptions(max: number): RateLimitPluginOptions {
  return {
    max,
    timeWindow: 60_000,
    keyGenerator: (request) => request.headers.authorization ?? request.ip,
    errorResponseBuilder: (_request, { after }) => new TooManyRequestsError(`too many requests: at most ${max} a minute; retry in ${after}`),
  };
}

/** Starts an app of background tasks only (the worker and projector apps). */
export async function startBackgroundApp(module: Type<unknown>): Promise<StartedApp> {
  loadServiceConfig();
  const app = await NestFactory.createApplicationContext(module);
  app.enableShutdownHooks();
  await app.init();
  return { app };
}

/** The entry point of each app: a configuration error is printed as it is, without a stack. */
export function runMain(start: () => Promise<StartedApp>): void {
  start().then(
    ({ url }) => {
      if (url) console.log(`import-jobs listening on ${url}`);
    },
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
