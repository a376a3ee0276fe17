import type { ImportJobEvent } from '@import-jobs/domain';
import type { RecordedEvent } from '@import-jobs/event-store';
import { maxIntegrationEventBytes, toJobIntegrationMessage, type JobIntegrationEvent } from './job-integration-events';

const recorded = { id: '00000000-0000-4000-8000-000000000001', streamRevision: 1n } as RecordedEvent;

function planOf(pieces: number): ImportJobEvent {
  const piece = (index: number) => ({
    pieceId: `piece-${index}`,
    object: { bucket: 'lake', key: `acme/file-${index}.csv`, etag: '"0123456789abcdef0123456789abcdef"', size: 33_554_432 },
    range: { start: 0, end: 33_554_432 },
    compression: 'none' as const,
    firstLine: 2,
    csvHeader: ['id', 'name', 'email', 'city'],
    destinationTopic: 'acme.customers',
  });
  return {
    type: 'ImportPlanned.v1',
    data: { jobId: 'job-1', pieces: Array.from({ length: pieces }, (_, index) => piece(index)), files: pieces, totalBytes: pieces * 33_554_432, occurredAt: '2026-12-02T00:00:00.000Z' },
  } as unknown as ImportJobEvent;
}

describe('a job event on the job-events topic', () => {
  it('is published whole while it fits in a Kafka message', () => {
    const body = JSON.parse(toJobIntegrationMessage('events', planOf(10), recorded).value as string) as JobIntegrationEvent;
    expect(body.dataAbridged).toBeUndefined();
    expect((body.data as { pieces: unknown[] }).pieces).toHaveLength(10);
  });

  it('is abridged when it would not: its large fields replaced by what they were, its small ones kept', () => {
    const value = toJobIntegrationMessage('events', planOf(10_000), recorded).value as string;
    const body = JSON.parse(value) as JobIntegrationEvent;

    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(maxIntegrationEventBytes);
    expect(body).toMatchObject({ type: 'ImportPlanned', dataAbridged: true, data: { jobId: 'job-1', files: 10_000, pieces: { omitted: true, items: 10_000 } } });
    expect((body.data as { pieces: { bytes: number } }).pieces.bytes).toBeGreaterThan(maxIntegrationEventBytes);
  });
});
