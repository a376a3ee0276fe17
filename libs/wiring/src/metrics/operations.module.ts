import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { EventStore } from '@import-jobs/event-store';
import type { ObjectStore } from '@import-jobs/sources';
import type { Messaging } from '@import-jobs/messaging';
import type { ImportJobTopics } from '@import-jobs/application/messages';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { EVENT_STORE, MESSAGING, OBJECT_STORE, SERVICE_CONFIG, TOPICS } from '@import-jobs/application/di-tokens';
import { DEPENDENCIES, HealthController } from '../health/health.controller';
import { serviceDependencies } from '../health/readiness';
import { MetricsController } from './metrics.controller';
import { ServiceMetrics } from './service-metrics';

const OPERATIONS_DATABASE = Symbol('OperationsDatabase');

/**
 * What every app serves beside its work: `/health/live`, `/health/ready` and `/metrics`. It has a
 * small connection pool of its own, so that a probe still answers while the app's pools are busy.
 */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [
    {
      provide: OPERATIONS_DATABASE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => {
        const pool = new Pool({ connectionString: config.databaseUrl, max: 2, connectionTimeoutMillis: 3_000 });
        // An idle client losing its connection must not kill the process; the next probe reports it.
        pool.on('error', () => undefined);
        return pool;
      },
    },
    {
      provide: DEPENDENCIES,
      inject: [MESSAGING, OPERATIONS_DATABASE, EVENT_STORE, OBJECT_STORE, SERVICE_CONFIG],
      useFactory: (messaging: Messaging, database: Pool, store: EventStore, objectStore: ObjectStore, config: ServiceConfig) =>
        serviceDependencies({ messaging, database, store, objectStore, reportsBucket: config.reportsBucket }),
    },
    {
      provide: ServiceMetrics,
      inject: [MESSAGING, EVENT_STORE, OPERATIONS_DATABASE, SERVICE_CONFIG, TOPICS],
      useFactory: (messaging: Messaging, store: EventStore, database: Pool, config: ServiceConfig, topics: ImportJobTopics) =>
        new ServiceMetrics({ messaging, store, database, readModelSchema: config.readModelSchema, topicPrefix: config.kafka.topicPrefix, topics }),
    },
  ],
  exports: [ServiceMetrics],
})
export class OperationsModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ServiceMetrics) private readonly metrics: ServiceMetrics,
    @Inject(OPERATIONS_DATABASE) private readonly database: Pool,
  ) {}

  /** HTTP latency of every answer, by the route's pattern (not its URL, which would grow without bound). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', async (request, reply) => {
      this.metrics.httpAnswered(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.end();
  }
}
