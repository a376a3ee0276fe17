import { assertNever, type Command, type Decider, type Event } from '../decider';
import { IllegalStateError, NotFoundError, UploadAlreadyUsedError, UploadUnusableError } from '../errors';
import { count, everyField, record, text, timestamp, UnreadableField, type Fields } from '../stored-fields';

/*
 * Q Connect's StartUpload: a client first asks for an upload, then sends its bytes, then starts an
 * import that names it. An upload expires unless imported by `expiresAt`, and is imported once.
 */

export type CreateUpload = Command<
  'CreateUpload.v1',
  { readonly uploadId: string; readonly tenantId: string; readonly filename: string; readonly expiresAt: string }
>;
export type RecordUploadContent = Command<
  'RecordUploadContent.v1',
  { readonly uploadId: string; readonly tenantId: string; readonly url: string; readonly bytes: number }
>;
/** Checks the upload can be imported and marks it imported by `jobId`. */
export type ImportUpload = Command<'ImportUpload.v1', { readonly uploadId: string; readonly tenantId: string; readonly jobId: string }>;
export type UploadCommand = CreateUpload | RecordUploadContent | ImportUpload;

export type UploadCreated = Event<
  'UploadCreated.v1',
  { readonly uploadId: string; readonly tenantId: string; readonly filename: string; readonly expiresAt: string; readonly occurredAt: string }
>;
export type UploadContentReceived = Event<
  'UploadContentReceived.v1',
  { readonly uploadId: string; readonly url: string; readonly bytes: number; readonly occurredAt: string }
>;
export type UploadImported = Event<'UploadImported.v1', { readonly uploadId: string; readonly jobId: string; readonly occurredAt: string }>;
export type UploadEvent = UploadCreated | UploadContentReceived | UploadImported;

export type UploadStatus = 'AwaitingContent' | 'Received' | 'Imported';

export interface UploadDetails {
  readonly status: UploadStatus;
  readonly uploadId: string;
  readonly tenantId: string;
  readonly filename: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly content?: { readonly url: string; readonly bytes: number };
  readonly jobId?: string;
}

export type Upload = { readonly status: 'NotCreated' } | UploadDetails;

export function uploadStreamId(uploadId: string): string {
  return `upload-${uploadId}`;
}

/** The upload as its tenant sees it; a missing one, or another tenant's, is not found. */
export function uploadOfTenant(upload: Upload, uploadId: string, tenantId: string): UploadDetails {
  // Another tenant's upload is as unknown as a missing one, so that ids reveal nothing.
  if (upload.status === 'NotCreated' || upload.tenantId !== tenantId) {
    throw new NotFoundError('UPLOAD_NOT_FOUND', `upload ${uploadId} does not exist`);
  }
  return upload;
}

function checkNotExpired(upload: UploadDetails, now: string): void {
  if (Date.parse(now) >= Date.parse(upload.expiresAt)) {
    throw new UploadUnusableError('UPLOAD_EXPIRED', `upload ${upload.uploadId} expired at ${upload.expiresAt}; start a new upload`);
  }
}

export function decideUpload(command: UploadCommand, upload: Upload): readonly UploadEvent[] {
  const occurredAt = command.metadata.now;
  switch (command.type) {
    case 'CreateUpload.v1':
      // A retried create (same id) is the same upload.
      return upload.status === 'NotCreated' ? [{ type: 'UploadCreated.v1', data: { ...command.data, occurredAt } }] : [];
    case 'RecordUploadContent.v1': {
      const { uploadId, tenantId, url, bytes } = command.data;
      const existing = uploadOfTenant(upload, uploadId, tenantId);
      if (existing.content?.url === url) return [];
      if (existing.status !== 'AwaitingContent') {
        throw new IllegalStateError('UPLOAD_ALREADY_RECEIVED', existing.status, `upload ${uploadId} already has its content; start a new upload`);
      }
      checkNotExpired(existing, occurredAt);
      return [{ type: 'UploadContentReceived.v1', data: { uploadId, url, bytes, occurredAt } }];
    }
    case 'ImportUpload.v1': {
      const { uploadId, tenantId, jobId } = command.data;
      const existing = uploadOfTenant(upload, uploadId, tenantId);
      if (existing.jobId === jobId) return [];
      if (existing.jobId !== undefined) throw new UploadAlreadyUsedError(uploadId, existing.jobId);
      checkNotExpired(existing, occurredAt);
      if (existing.status !== 'Received') {
        throw new UploadUnusableError('UPLOAD_NOT_READY', `upload ${uploadId} has no content yet: PUT the file to its uploadUrl first`);
      }
      return [{ type: 'UploadImported.v1', data: { uploadId, jobId, occurredAt } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveUpload(upload: Upload, event: UploadEvent): Upload {
  switch (event.type) {
    case 'UploadCreated.v1': {
      const { uploadId, tenantId, filename, expiresAt, occurredAt } = event.data;
      return { status: 'AwaitingContent', uploadId, tenantId, filename, expiresAt, createdAt: occurredAt };
    }
    case 'UploadContentReceived.v1':
      return upload.status === 'NotCreated' ? upload : { ...upload, status: 'Received', content: { url: event.data.url, bytes: event.data.bytes } };
    case 'UploadImported.v1':
      return upload.status === 'NotCreated' ? upload : { ...upload, status: 'Imported', jobId: event.data.jobId };
    default:
      return assertNever(event);
  }
}

export const uploadDecider: Decider<UploadCommand, UploadEvent, Upload> = {
  decide: decideUpload,
  evolve: evolveUpload,
  initialState: () => ({ status: 'NotCreated' }),
};

export type ParsedUploadEvent =
  | { readonly kind: 'event'; readonly events: readonly UploadEvent[] }
  | { readonly kind: 'unreadable'; readonly type: string; readonly problem: string }
  | { readonly kind: 'foreign' };

const readers: Readonly<Record<string, (data: Fields) => UploadEvent>> = {
  'UploadCreated.v1': (data) => ({
    type: 'UploadCreated.v1',
    data: everyField<UploadCreated['data']>({
      uploadId: text(data.uploadId, 'uploadId'),
      tenantId: text(data.tenantId, 'tenantId'),
      filename: text(data.filename, 'filename'),
      expiresAt: timestamp(data.expiresAt, 'expiresAt'),
      occurredAt: timestamp(data.occurredAt, 'occurredAt'),
    }),
  }),
  'UploadContentReceived.v1': (data) => ({
    type: 'UploadContentReceived.v1',
    data: everyField<UploadContentReceived['data']>({
      uploadId: text(data.uploadId, 'uploadId'),
      url: text(data.url, 'url'),
      bytes: count(data.bytes, 'bytes'),
      occurredAt: timestamp(data.occurredAt, 'occurredAt'),
    }),
  }),
  'UploadImported.v1': (data) => ({
    type: 'UploadImported.v1',
    data: everyField<UploadImported['data']>({ uploadId: text(data.uploadId, 'uploadId'), jobId: text(data.jobId, 'jobId'), occurredAt: timestamp(data.occurredAt, 'occurredAt') }),
  }),
};

/**
 * A stored upload event, read field by field as every stored event is (see `parseImportJobEvent`):
 * an upload's URL names the object a job will import, so a stored shape is never taken on trust.
 */
export function parseUploadEvent(stored: { readonly streamId: string; readonly type: string; readonly data: unknown }): ParsedUploadEvent {
  const read = Object.hasOwn(readers, stored.type) ? readers[stored.type] : undefined;
  if (read === undefined) return stored.type.startsWith('Upload') ? { kind: 'unreadable', type: stored.type, problem: `${stored.type} is not an upload event this release reads` } : { kind: 'foreign' };
  try {
    const event = read(record(stored.data, 'data'));
    if (uploadStreamId(event.data.uploadId) !== stored.streamId) return { kind: 'unreadable', type: stored.type, problem: `upload ${event.data.uploadId} recorded in stream ${stored.streamId}` };
    return { kind: 'event', events: [event] };
  } catch (error) {
    if (error instanceof UnreadableField) return { kind: 'unreadable', type: stored.type, problem: error.message };
    throw error;
  }
}

/** Each upload event happens once per upload: its type is its identity within the stream. */
export function uploadEventIdentity(event: UploadEvent): string {
  return event.type;
}
