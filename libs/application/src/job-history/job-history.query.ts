import { Controller, Get, Inject, Param } from '@nestjs/common';
import { QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { asImportJobEvent, importJobStreamId, NotFoundError, splitEventType, type ImportJobEvent } from '@import-jobs/domain';
import { serializePosition, type EventStore, type SerializedPosition } from '@import-jobs/event-store';
import { Tenant } from '../access/tenant.guard';
import { EVENT_STORE } from '../di-tokens';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, schemaRef } from '../openapi/schemas';

/** One entry of a job's audit trail: every counter the job shows is the sum of these. */
export interface JobHistoryEntry {
  readonly sequence: number;
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly position: SerializedPosition;
  readonly data: ImportJobEvent['data'];
}

export class GetImportJobHistoryQuery {
  constructor(
    readonly tenantId: string,
    readonly jobId: string,
  ) {}
}

@QueryHandler(GetImportJobHistoryQuery)
export class GetImportJobHistoryHandler implements IQueryHandler<GetImportJobHistoryQuery, JobHistoryEntry[]> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ tenantId, jobId }: GetImportJobHistoryQuery): Promise<JobHistoryEntry[]> {
    const entries = (await this.store.readStream(importJobStreamId(jobId))).flatMap((recorded) => {
      const event = asImportJobEvent(recorded);
      if (!event) return [];
      const { name, version } = splitEventType(event.type);
      return [
        {
          sequence: Number(recorded.streamRevision),
          eventId: recorded.id,
          type: name,
          version,
          occurredAt: event.data.occurredAt,
          recordedAt: recorded.recordedAt.toISOString(),
          position: serializePosition(recorded.position),
          data: event.data,
        },
      ];
    });
    const [requested] = entries;
    if (requested?.type !== 'ImportRequested' || (requested.data as { tenantId?: string }).tenantId !== tenantId) {
      throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
    }
    return entries;
  }
}

@ApiTags('imports')
@ApiErrors(401, 429, 500)
@Controller('v1/imports')
export class JobHistoryHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The job's events in order, with their positions and dates. */
  @Get(':jobId/events')
  @ApiOperation({ summary: "A job's audit trail: every stored event, in order" })
  @ApiOkResponse({ schema: schemaRef('JobHistory') })
  @ApiErrors(404)
  async history(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<{ events: JobHistoryEntry[] }> {
    return { events: await this.queryBus.execute(new GetImportJobHistoryQuery(tenantId, jobId)) };
  }
}
