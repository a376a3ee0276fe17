import { IllegalStateError, NotFoundError, UploadAlreadyUsedError, UploadUnusableError } from '../errors';
import { foldEvents } from '../decider';
import { decideUpload, parseUploadEvent, uploadDecider, uploadStreamId, type UploadCommand, type UploadEvent } from './upload';

const uploadId = 'u-1';
const tenantId = 'tenant-a';
const created: UploadEvent = {
  type: 'UploadCreated.v1',
  data: { uploadId, tenantId, filename: 'people.csv', expiresAt: '2026-01-01T01:00:00.000Z', occurredAt: '2026-01-01T00:00:00.000Z' },
};
const received: UploadEvent = {
  type: 'UploadContentReceived.v1',
  data: { uploadId, url: 's3://uploads/tenant-a/u-1/people.csv', bytes: 42, occurredAt: '2026-01-01T00:10:00.000Z' },
};
const imported: UploadEvent = { type: 'UploadImported.v1', data: { uploadId, jobId: 'job-1', occurredAt: '2026-01-01T00:20:00.000Z' } };

function given(...events: UploadEvent[]) {
  const state = foldEvents(uploadDecider, events);
  return { when: (command: UploadCommand) => () => decideUpload(command, state) };
}

const at = (now: string) => ({ metadata: { now } });
const importAs = (jobId: string, now = '2026-01-01T00:30:00.000Z', tenant = tenantId): UploadCommand => ({
  type: 'ImportUpload.v1',
  data: { uploadId, tenantId: tenant, jobId },
  ...at(now),
});
const content = (now: string, url = received.data.url): UploadCommand => ({
  type: 'RecordUploadContent.v1',
  data: { uploadId, tenantId, url, bytes: 42 },
  ...at(now),
});

describe('an upload', () => {
  it('is created once: a retried create decides nothing', () => {
    const create: UploadCommand = { type: 'CreateUpload.v1', data: { uploadId, tenantId, filename: 'people.csv', expiresAt: created.data.expiresAt }, ...at(created.data.occurredAt) };
    expect(given().when(create)()).toEqual([created]);
    expect(given(created).when(create)()).toEqual([]);
  });

  it('takes its content once, before it expires; the same content again is a repeat', () => {
    expect(given(created).when(content(received.data.occurredAt))()).toEqual([received]);
    expect(given(created, received).when(content('2026-01-01T00:11:00.000Z'))()).toEqual([]);
    expect(given(created, received).when(content('2026-01-01T00:11:00.000Z', 's3://uploads/other'))).toThrow(IllegalStateError);
    expect(given(created).when(content('2026-01-01T01:00:00.000Z'))).toThrow(expect.objectContaining({ code: 'UPLOAD_EXPIRED' }));
  });

  it('is imported once its content arrived, by one job; the same job again is a repeat', () => {
    expect(given(created, received).when(importAs('job-1'))()).toEqual([{ ...imported, data: { ...imported.data, occurredAt: '2026-01-01T00:30:00.000Z' } }]);
    expect(given(created, received, imported).when(importAs('job-1'))()).toEqual([]);
    const other = given(created, received, imported).when(importAs('job-2'));
    expect(other).toThrow(UploadAlreadyUsedError);
    expect(other).toThrow(expect.objectContaining({ code: 'UPLOAD_ALREADY_USED', jobId: 'job-1' }));
  });

  it('refuses an import before its content arrived, or after it expired', () => {
    expect(given(created).when(importAs('job-1'))).toThrow(expect.objectContaining({ code: 'UPLOAD_NOT_READY' }));
    expect(given(created, received).when(importAs('job-1', '2026-01-01T02:00:00.000Z'))).toThrow(UploadUnusableError);
    expect(given(created, received).when(importAs('job-1', '2026-01-01T02:00:00.000Z'))).toThrow(expect.objectContaining({ code: 'UPLOAD_EXPIRED' }));
  });

  it('is unknown to another tenant and when it does not exist', () => {
    expect(given(created, received).when(importAs('job-1', undefined, 'tenant-b'))).toThrow(NotFoundError);
    expect(given().when(importAs('job-1'))).toThrow(expect.objectContaining({ code: 'UPLOAD_NOT_FOUND' }));
  });
});

describe('a stored upload event', () => {
  const stored = (type: string, data: unknown, streamId = uploadStreamId(uploadId)) => parseUploadEvent({ streamId, type, data });
  const receivedData = { uploadId, url: 's3://import-jobs-uploads/tenant-a/u-1/people.csv', bytes: 120, occurredAt: '2026-12-02T08:00:00.000Z' };

  it('reads back as it was stored, rebuilt from the fields its type has', () => {
    expect(stored('UploadContentReceived.v1', { ...receivedData, injected: 'x' })).toEqual({ kind: 'event', events: [{ type: 'UploadContentReceived.v1', data: receivedData }] });
  });

  it.each([
    ['a url that is not a string', { ...receivedData, url: 42 }, 'url is 42, not a string'],
    ['a negative size', { ...receivedData, bytes: -1 }, 'bytes is -1, not a whole number from 0'],
    ['no data object', 'nonsense', 'data is a string, not an object'],
  ])('is unreadable with %s, naming the field', (_, data, problem) => {
    expect(stored('UploadContentReceived.v1', data)).toEqual({ kind: 'unreadable', type: 'UploadContentReceived.v1', problem });
  });

  it("is unreadable in another upload's stream, and a version this release does not know is unreadable too", () => {
    expect(stored('UploadContentReceived.v1', receivedData, uploadStreamId('u-2'))).toMatchObject({ kind: 'unreadable' });
    expect(stored('UploadContentReceived.v9', receivedData)).toMatchObject({ kind: 'unreadable' });
  });

  it("is another kind's when its type is not an upload's", () => {
    expect(stored('ImportRequested.v1', {})).toEqual({ kind: 'foreign' });
    expect(stored('constructor', {})).toEqual({ kind: 'foreign' });
  });
});
