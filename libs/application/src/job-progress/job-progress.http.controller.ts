import {
  Catch,
  Controller,
  Headers,
  Inject,
  Param,
  Sse,
  SseSignal,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
  type MessageEvent,
} from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ValidationError } from '@import-jobs/domain';
import { map, Observable } from 'rxjs';
import { Tenant } from '../access/tenant.guard';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../di-tokens';
import { GetImportJobQuery } from '../job-status/job-status.queries';
import { ApiErrors } from '../openapi/schemas';
import { JobProgressFeed, type ProgressEvent } from './job-progress.feed';
import { OpenProgressStreams } from './open-progress-streams';

/** How many of a tenant's newest jobs its stream starts with. */
export const tenantStreamRecentJobs = 50;
/** A comment this often keeps proxies from closing a quiet stream, and finds clients that left. */
const keepAliveMs = 15_000;

/** OpenAPI has no words for an event stream's events: it is text, each event's data a `JobProgress` as JSON. */
const eventStream = { 'text/event-stream': { schema: { type: 'string' } } };

/** The client has every version of a finished job: nothing will ever follow. */
class NothingMoreToSend extends Error {}

/** 204 tells an EventSource that reconnects after the terminal event to stop reconnecting. */
@Catch(NothingMoreToSend)
class NothingMoreToSendFilter implements ExceptionFilter {
  catch(_: NothingMoreToSend, host: ArgumentsHost): void {
    void host.switchToHttp().getResponse<FastifyReply>().status(204).send();
  }
}

/**
 * Live progress as Server-Sent Events (`event: progress`, the data a `JobProgress`). A job's
 * stream sends each version with its number as the event id, so that a client reconnecting with
 * `Last-Event-ID` is sent every version after it and none twice. Between versions, `event:
 * in-flight` (the data an `InFlightProgress`) adds the rows that pieces in hand have read and not
 * committed yet. It repeats the id of the version it adds to, so that `Last-Event-ID` only ever
 * names a committed version (Nest numbers an event sent without one).
 */
@ApiTags('progress')
@ApiErrors(401, 429, 500)
@Controller('v1/imports')
@UseFilters(NothingMoreToSendFilter)
export class JobProgressHttpController {
  private readonly openStreams: OpenProgressStreams;

  constructor(
    private readonly queryBus: QueryBus,
    private readonly feed: JobProgressFeed,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.openStreams = new OpenProgressStreams(config.maxProgressStreamsPerTenant);
  }

  /** The tenant's newest jobs as they are now, then every change of any of its jobs; never ends by itself. */
  @Sse('progress')
  @ApiOperation({ summary: "Server-Sent Events: the tenant's newest jobs, then every change of any of its jobs" })
  @ApiOkResponse({ description: '`event: progress` events, each a version of a job, and `event: in-flight` events between them; the stream does not end', content: eventStream })
  tenantProgress(@Tenant() tenantId: string, @SseSignal() ended: AbortSignal): Observable<MessageEvent> {
    this.openStreams.open(tenantId, ended);
    return withKeepAlive(this.feed.followTenant(tenantId, tenantStreamRecentJobs));
  }

  /** Every version of the job (after `Last-Event-ID`), ending with the terminal one; 404 for another tenant's job. */
  @Sse(':jobId/progress')
  @ApiOperation({ summary: 'Server-Sent Events: every version of the job, in order, ending with its terminal one' })
  @ApiHeader({ name: 'last-event-id', required: false, description: 'The last version the client has: the stream starts after it' })
  @ApiOkResponse({ description: '`event: progress` events, each with its version as `id`, and `event: in-flight` events, with the id of the version they add to, between them', content: eventStream })
  @ApiResponse({ status: 204, description: 'The client has the terminal version already: nothing more will come' })
  @ApiErrors(400, 404)
  async jobProgress(
    @Tenant() tenantId: string,
    @Param('jobId') jobId: string,
    @SseSignal() ended: AbortSignal,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<Observable<MessageEvent>> {
    const afterVersion = versionOf(lastEventId);
    // Before the queries, so that a tenant at its cap costs the database nothing.
    this.openStreams.open(tenantId, ended);
    // The job query also finds a job accepted a moment ago, not projected yet.
    await this.queryBus.execute(new GetImportJobQuery(tenantId, jobId));
    const versions = await this.feed.followJob(tenantId, jobId, afterVersion);
    if (versions === undefined) throw new NothingMoreToSend();
    return withKeepAlive(versions.pipe(map(withVersionId)));
  }
}

function withVersionId(event: ProgressEvent): MessageEvent {
  return { id: String(event.data.version), ...event };
}

/** -1 (from the first version) without the header. */
function versionOf(lastEventId: string | undefined): number {
  if (lastEventId === undefined || lastEventId === '') return -1;
  const version = /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : Number.NaN;
  if (!Number.isSafeInteger(version)) throw new ValidationError('Last-Event-ID', `must be the id of an event of this stream, not ${JSON.stringify(lastEventId.slice(0, 40))}`);
  return version;
}

function withKeepAlive(events: Observable<MessageEvent>): Observable<MessageEvent> {
  return new Observable((subscriber) => {
    const timer = setInterval(() => subscriber.next({ comment: 'keep-alive' }), keepAliveMs);
    const subscription = events.subscribe(subscriber);
    return () => {
      clearInterval(timer);
      subscription.unsubscribe();
    };
  });
}
