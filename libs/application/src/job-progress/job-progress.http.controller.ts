import { Catch, Controller, Headers, Param, Sse, UseFilters, type ArgumentsHost, type ExceptionFilter, type MessageEvent } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { ValidationError } from '@import-jobs/domain';
import { map, Observable } from 'rxjs';
import { Tenant } from '../access/tenant.guard';
import { GetImportJobQuery } from '../job-status/job-status.queries';
import { JobProgressFeed } from './job-progress.feed';

/** How many of a tenant's newest jobs its stream starts with. */
export const tenantStreamRecentJobs = 50;
/** A comment this often keeps proxies from closing a quiet stream, and finds clients that left. */
const keepAliveMs = 15_000;

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
 * `Last-Event-ID` is sent every version after it and none twice.
 */
@Controller('v1/imports')
@UseFilters(NothingMoreToSendFilter)
export class JobProgressHttpController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly feed: JobProgressFeed,
  ) {}

  /** The tenant's newest jobs as they are now, then every change of any of its jobs; never ends by itself. */
  @Sse('progress')
  tenantProgress(@Tenant() tenantId: string): Observable<MessageEvent> {
    return withKeepAlive(this.feed.followTenant(tenantId, tenantStreamRecentJobs).pipe(map((progress) => ({ type: 'progress', data: progress }))));
  }

  /** Every version of the job (after `Last-Event-ID`), ending with the terminal one; 404 for another tenant's job. */
  @Sse(':jobId/progress')
  async jobProgress(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Headers('last-event-id') lastEventId?: string): Promise<Observable<MessageEvent>> {
    const afterVersion = versionOf(lastEventId);
    // The job query also finds a job accepted a moment ago, not projected yet.
    await this.queryBus.execute(new GetImportJobQuery(tenantId, jobId));
    const versions = await this.feed.followJob(tenantId, jobId, afterVersion);
    if (versions === undefined) throw new NothingMoreToSend();
    return withKeepAlive(versions.pipe(map((progress) => ({ id: String(progress.version), type: 'progress', data: progress }))));
  }
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
