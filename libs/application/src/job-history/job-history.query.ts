import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { importJobStreamId, NotFoundError, parseJobStreamEvent, splitEventType, type StoredImportJobEvent } from '@import-jobs/domain';
import { serializePosition, type EventStore, type SerializedPosition } from '@import-jobs/event-store';
import { Tenant } from '../access/tenant.guard';
import { EVENT_STORE } from '../di-tokens';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, schemaRef } from '../openapi/schemas';
import { maxEvery, readPieceTimeline, timelineOptionsOf, type PieceTimelinePage } from './piece-timeline';

/** One entry of a job's audit trail: every counter the job shows is the sum of these. */
export interface JobHistoryEntry {
  readonly sequence: number;
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly position: SerializedPosition;
  readonly data: StoredImportJobEvent['data'];
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
      const parsed = parseJobStreamEvent(recorded);
      if (parsed.kind !== 'event') return [];
      const event = parsed.stored;
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

const dateTime = { type: 'string', format: 'date-time' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const pieceTimelineSchema = {
  type: 'object',
  required: ['pieces', 'next'],
  properties: {
    pieces: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pieceId', 'claimedAt', 'settledAt', 'outcome', 'rowsProcessed', 'rowsFailed'],
        properties: {
          pieceId: { type: 'string' },
          claimedAt: { oneOf: [dateTime, { type: 'null' }] },
          settledAt: dateTime,
          outcome: { type: 'string', enum: ['completed', 'failed', 'cancelled'] },
          rowsProcessed: count,
          rowsFailed: count,
        },
      },
    },
    next: { oneOf: [count, { type: 'null' }] },
  },
};

@ApiTags('imports')
@ApiErrors(401, 429, 500)
@Controller('v1/imports')
export class JobHistoryHttpController {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** The job's events in order, with their positions and dates. */
  @Get(':jobId/events')
  @ApiOperation({ summary: "A job's audit trail: every stored event, in order" })
  @ApiOkResponse({ schema: schemaRef('JobHistory') })
  @ApiErrors(404)
  async history(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<{ events: JobHistoryEntry[] }> {
    return { events: await this.queryBus.execute(new GetImportJobHistoryQuery(tenantId, jobId)) };
  }

  /** `?from=0&every=1`: the job's settled pieces with their start, end and rows, for the status page's timeline. */
  @Get(':jobId/pieces/timeline')
  @ApiOperation({ summary: "A job's settled pieces: when each was claimed and recorded, and its rows, a page at a time" })
  @ApiQuery({ name: 'from', required: false, description: "The stream revision to read from: 0, then the previous page's next", schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'every', required: false, description: 'Only pieces recorded at a revision that is a multiple of this: an even sample of a large job', schema: { type: 'integer', minimum: 1, maximum: maxEvery } })
  @ApiOkResponse({ schema: pieceTimelineSchema })
  @ApiErrors(400, 404)
  timeline(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Query() query: Readonly<Record<string, string | readonly string[] | undefined>>): Promise<PieceTimelinePage> {
    return readPieceTimeline(this.store, tenantId, jobId, timelineOptionsOf(query));
  }
}
