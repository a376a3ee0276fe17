import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Public } from '@import-jobs/application/access/public.decorator';
import { ServiceMetrics } from './service-metrics';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

/** Prometheus's text format, scraped without an API key like the health probes. */
@Public()
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(ServiceMetrics) private readonly metrics: ServiceMetrics) {}

  @Get()
  @ApiOperation({ summary: "Prometheus metrics: pieces, rows, bytes, durations, jobs by status, consumer and projection lag, HTTP latency" })
  @ApiProduces('text/plain')
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } } })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
