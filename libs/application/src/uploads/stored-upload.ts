import { uploadOfTenant, UploadUnusableError } from '@import-jobs/domain';
import type { UploadCommands } from './upload-commands';

/** A file the service itself stored for the tenant: a job's source trusted as no URL in a body is. */
export interface StoredUpload {
  readonly url: string;
  readonly filename: string;
}

const formatByExtension: ReadonlyArray<readonly [RegExp, 'CSV' | 'JSON']> = [
  [/\.csv(\.gz)?$/i, 'CSV'],
  [/\.(json|ndjson|jsonl)(\.gz)?$/i, 'JSON'],
];

/** The format a file's name tells, for uploads that do not say it. */
export function formatOfFilename(filename: string): 'CSV' | 'JSON' | undefined {
  return formatByExtension.find(([pattern]) => pattern.test(filename))?.[1];
}

/**
 * An upload started with `POST /v1/uploads`, once its bytes are in, and only its own tenant's.
 * Whether it is ready, expired or taken is decided when it is imported; its object is known only
 * once received.
 */
export async function storedUploadOf(uploads: UploadCommands, tenantId: string, uploadId: string): Promise<StoredUpload> {
  const upload = uploadOfTenant((await uploads.load(uploadId)).state, uploadId, tenantId);
  if (upload.content === undefined) {
    throw new UploadUnusableError('UPLOAD_NOT_READY', `upload ${uploadId} has no content yet: PUT the file to its url first`);
  }
  return { url: upload.content.url, filename: upload.filename };
}
