import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '@import-jobs/application/access/public.decorator';
import { withDeadline, type Dependency } from './readiness';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '@import-jobs/application/openapi/schemas';

export const DEPENDENCIES = Symbol('Dependencies');

const probeTimeoutMs = 3_000;

/**
 * Liveness says the process serves HTTP at all; readiness that every dependency answers, so that an
 * orchestrator sends no work to an instance that cannot do it, and restarts none for an outage
 * elsewhere.
 */
@Public()
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DEPENDENCIES) private readonly dependencies: readonly Dependency[],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: schemaRef('HealthCheck') })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: Kafka, PostgreSQL, the event store and S3 each answer' })
  @ApiOkResponse({ schema: schemaRef('HealthCheck') })
  @ApiServiceUnavailableResponse({ description: 'A dependency did not answer; `error` names it', schema: schemaRef('HealthCheck') })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.dependencies.map((dependency) => () => this.probe(dependency)));
    } catch (error) {
      // Answered here rather than by the app's error filter, which speaks the API's error shape:
      // probes and people read terminus's own report of which dependency is down.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private async probe({ name, probe }: Dependency) {
    const indicator = this.indicators.check(name);
    try {
      await withDeadline(name, probe(), probeTimeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
