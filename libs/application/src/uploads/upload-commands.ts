import { parseUploadEvent, uploadDecider, uploadEventIdentity, uploadStreamId, type Upload, type UploadCommand, type UploadEvent } from '@import-jobs/domain';
import type { EventStore } from '@import-jobs/event-store';
import { StreamCommands } from '../event-sourcing/stream-commands';

export type UploadCommands = StreamCommands<UploadCommand, UploadEvent, Upload>;

export function uploadCommands(store: EventStore): UploadCommands {
  return new StreamCommands(store, {
    decider: uploadDecider,
    streamId: uploadStreamId,
    parse: parseUploadEvent,
    identity: uploadEventIdentity,
  });
}

/** Q Connect's StartUpload answer, with the state of the upload beside it. */
export interface UploadResource {
  readonly uploadId: string;
  readonly status: 'AWAITING_CONTENT' | 'UPLOADED' | 'IMPORTED' | 'EXPIRED';
  readonly filename: string;
  /** Where to PUT the file's bytes, relative to the API's address; Q Connect's `url`. */
  readonly url: string;
  readonly method: 'PUT';
  /** Until when the bytes may be sent and the upload imported; Q Connect's `urlExpiry`. */
  readonly urlExpiry: string;
  readonly createdAt: string;
  readonly bytes: number | null;
  readonly jobId: string | null;
}

export function toUploadResource(upload: Exclude<Upload, { status: 'NotCreated' }>, now: Date): UploadResource {
  const expired = upload.status !== 'Imported' && now.getTime() >= Date.parse(upload.expiresAt);
  const status = expired ? 'EXPIRED' : ({ AwaitingContent: 'AWAITING_CONTENT', Received: 'UPLOADED', Imported: 'IMPORTED' } as const)[upload.status];
  return {
    uploadId: upload.uploadId,
    status,
    filename: upload.filename,
    url: `/v1/uploads/${upload.uploadId}/content`,
    method: 'PUT',
    urlExpiry: upload.expiresAt,
    createdAt: upload.createdAt,
    bytes: upload.content?.bytes ?? null,
    jobId: upload.jobId ?? null,
  };
}
