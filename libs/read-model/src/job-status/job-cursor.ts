import { ValidationError } from '@import-jobs/domain';

/** A place in the newest-first listing: the last job a page showed. */
export interface JobCursor {
  readonly createdAt: string;
  readonly jobId: string;
}

/** A cursor the service did not issue, or one it issued and a client changed: the API's 400. */
export class InvalidCursorError extends ValidationError {
  constructor(reason: string) {
    super('cursor', `is not a cursor this service issued (${reason})`);
  }
}

const base64url = /^[A-Za-z0-9_-]+$/;

/** Opaque to clients: base64url of the (created_at, job_id) key the listing is ordered by. */
export function encodeJobCursor({ createdAt, jobId }: JobCursor): string {
  return Buffer.from(JSON.stringify([createdAt, jobId]), 'utf8').toString('base64url');
}

/** @throws InvalidCursorError */
export function decodeJobCursor(cursor: string): JobCursor {
  // Node's decoder skips characters outside the alphabet, so check the text before decoding it.
  if (!base64url.test(cursor)) throw new InvalidCursorError('not base64url');
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor) throw new InvalidCursorError('not base64url');
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new InvalidCursorError('not JSON');
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError('not a (createdAt, jobId) pair');
  const [createdAt, jobId]: unknown[] = decoded;
  if (typeof jobId !== 'string' || jobId === '') throw new InvalidCursorError('no job id');
  // Views hold creation times in toISOString's form, so any other form never came from a page.
  if (typeof createdAt !== 'string' || !Number.isFinite(Date.parse(createdAt)) || new Date(createdAt).toISOString() !== createdAt) {
    throw new InvalidCursorError('no creation time');
  }
  return { createdAt, jobId };
}
