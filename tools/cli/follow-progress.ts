import { finalStatuses, ImportJobsApiError, type InFlightProgress, type JobProgress } from '@import-jobs/client';
import type { ApiConnection } from './api-connection';
import { EventStreamParser } from './event-stream';

export type { JobProgress };

export interface FollowOptions {
  /**
   * Told of each version, and between versions of the last one with the rows and bytes read so far
   * by the job's pieces in hand: those are not committed yet (an attempt that aborts reads them
   * again), but they move a one-piece job's line long before its one version with rows.
   */
  readonly onProgress: (progress: JobProgress) => void;
  /** Told each time the stream dropped and is about to be opened again. */
  readonly onReconnect: (notice: string) => void;
  /** Connections in a row that may fail, or drop before sending a version, before following gives up. */
  readonly maxReconnects?: number;
  /** The first wait before a reconnection, doubled after each failure in a row; a `retry:` from the server replaces it. */
  readonly reconnectDelayMs?: number;
  /** A stream silent this long (the service sends a keep-alive every 15 s) is taken for a dead connection. */
  readonly idleTimeoutMs?: number;
}

/** The stream stayed lost through every reconnection. */
export class ProgressStreamLostError extends Error {
  override readonly name = 'ProgressStreamLostError';
}

const longestReconnectDelayMs = 10_000;

/**
 * Follows `GET /v1/imports/:id/progress` until the job's terminal version, reporting every
 * version and the in-flight figures between them. A dropped connection is opened again with `Last-Event-ID`, so that the service sends
 * the versions after the last one received, none twice; a connection that delivered a version
 * resets the count of failures in a row. Resolves with the terminal version, or with undefined
 * when the service answers that the client has it already (204).
 */
export async function followJobProgress(api: ApiConnection, jobId: string, options: FollowOptions): Promise<JobProgress | undefined> {
  const { maxReconnects = 5, reconnectDelayMs = 500, idleTimeoutMs = 45_000 } = options;
  const stream: StreamState = { lastEventId: '', version: undefined, retryMs: undefined, received: 0 };
  for (let failures = 0; ; ) {
    stream.received = 0;
    let dropped: string;
    try {
      const outcome = await readStream(api, jobId, stream, options.onProgress, idleTimeoutMs);
      if (outcome.ended) return outcome.terminal;
      dropped = 'the service closed it before the job ended';
    } catch (error) {
      if (!isWorthRetrying(error)) throw error;
      dropped = reasonOf(error);
    }
    failures = stream.received > 0 ? 1 : failures + 1;
    if (failures > maxReconnects) {
      throw new ProgressStreamLostError(`lost the progress stream of job ${jobId} after ${maxReconnects} reconnections: ${dropped}`);
    }
    const delay = Math.min((stream.retryMs ?? reconnectDelayMs) * 2 ** (failures - 1), longestReconnectDelayMs);
    const after = stream.lastEventId === '' ? 'from the start' : `after version ${stream.lastEventId}`;
    options.onReconnect(`progress stream dropped (${dropped}); reconnecting ${after} in ${delay} ms, attempt ${failures} of ${maxReconnects}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** fetch names a dropped body "terminated"; what happened is its cause. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return cause === '' || error.message.includes(cause) ? error.message : `${error.message}: ${cause}`;
}

/** Refusals that may pass (too many streams open, a proxy or the service restarting) and every network failure. */
function isWorthRetrying(error: unknown): boolean {
  if (error instanceof ImportJobsApiError) return error.status === 429 || error.status >= 500;
  return !(error instanceof UnreadableProgressError);
}

/** An event the stream sent that is not a version of a job: reconnecting would only read it again. */
class UnreadableProgressError extends Error {
  override readonly name = 'UnreadableProgressError';
}

/**
 * What outlives one connection: where to resume, the version received last (which in-flight
 * figures add to), how long the service asked to wait, and what this connection delivered.
 */
interface StreamState {
  lastEventId: string;
  version: JobProgress | undefined;
  retryMs: number | undefined;
  received: number;
}

function eventData<Data>(data: string): Data {
  try {
    return JSON.parse(data) as Data;
  } catch {
    throw new UnreadableProgressError(`the progress stream sent an event that is not JSON: ${JSON.stringify(data.slice(0, 80))}`);
  }
}

/** The version as the figures of its pieces in hand leave it. */
function withInFlight(version: JobProgress, figures: InFlightProgress): JobProgress {
  return { ...version, rows: { ...version.rows, processed: figures.rows.read, failed: figures.rows.failed }, bytes: { ...version.bytes, processed: figures.bytes.read } };
}

async function readStream(
  api: ApiConnection,
  jobId: string,
  stream: StreamState,
  onProgress: (progress: JobProgress) => void,
  idleTimeoutMs: number,
): Promise<{ ended: true; terminal: JobProgress | undefined } | { ended: false }> {
  const connection = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const watchIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => connection.abort(new Error(`nothing received for ${idleTimeoutMs / 1000} s`)), idleTimeoutMs);
  };
  watchIdle();
  try {
    const response = await api.fetch(api.url(`/v1/imports/${encodeURIComponent(jobId)}/progress`), {
      headers: api.headers({ accept: 'text/event-stream', ...(stream.lastEventId !== '' && { 'last-event-id': stream.lastEventId }) }),
      signal: connection.signal,
    });
    if (response.status === 204) return { ended: true, terminal: undefined };
    if (!response.ok) throw await api.refusal(response);
    if (!response.body) return { ended: false };
    // Each connection starts a fresh parse: an event cut off by a drop is sent again after Last-Event-ID.
    const parser = new EventStreamParser();
    for await (const chunk of response.body) {
      watchIdle();
      const events = parser.push(chunk);
      stream.retryMs = parser.retryMs ?? stream.retryMs;
      for (const event of events) {
        if (event.type === 'in-flight') {
          const figures = eventData<InFlightProgress>(event.data);
          // Figures on top of another version than the last one received are stale.
          if (stream.version?.version === figures.version) onProgress(withInFlight(stream.version, figures));
          continue;
        }
        if (event.type !== 'progress') continue;
        const progress = eventData<JobProgress>(event.data);
        stream.version = progress;
        stream.lastEventId = event.lastEventId;
        stream.received++;
        onProgress(progress);
        if (finalStatuses.includes(progress.status)) return { ended: true, terminal: progress };
      }
    }
    return { ended: false };
  } catch (error) {
    // The idle watch's abort, told by its reason rather than as a bare AbortError.
    throw connection.signal.aborted ? connection.signal.reason : error;
  } finally {
    clearTimeout(idle);
    connection.abort();
  }
}
