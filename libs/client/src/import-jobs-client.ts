import type { ErrorBody } from '@import-jobs/application/http/refusal.filter';
import type { JobHistoryEntry } from '@import-jobs/application/job-history/job-history.query';
import type { InFlightProgress } from '@import-jobs/application/job-progress/in-flight-pieces';
import type { ImportJobPage } from '@import-jobs/application/job-status/job-status.queries';
import type { RequestImportInput } from '@import-jobs/application/request-import/request-import.input';
import type { ImportJobStatus } from '@import-jobs/domain';
import type { JobProgress, JobResource } from '@import-jobs/read-model';

/** What the progress streams send: `event: progress` carries a JobProgress, `event: in-flight` an InFlightProgress. */
export type { ErrorBody, ImportJobPage, ImportJobStatus, InFlightProgress, JobHistoryEntry, JobProgress, JobResource, RequestImportInput };

export interface ImportJobsClientOptions {
  /** Where the API answers, e.g. `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; none for an API without keys. */
  readonly apiKey?: string;
  /** Any `fetch` (the global one unless given), to add retries, tracing or a proxy. */
  readonly fetch?: typeof fetch;
}

export interface ListJobsOptions {
  readonly statuses?: readonly ImportJobStatus[];
  readonly limit?: number;
  readonly cursor?: string;
}

export interface WatchOptions {
  /** How often the job is read; 1 s unless given. */
  readonly intervalMs?: number;
  /** Called with the job each time it is read and has changed. */
  readonly onProgress?: (job: JobResource) => void;
  readonly signal?: AbortSignal;
}

export interface RequestedImport {
  readonly job: JobResource;
  /** False when the client token named a job accepted before for the same request. */
  readonly created: boolean;
}

/** An answer of the API other than success, with the service's error body. */
export class ImportJobsApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${body.code}: ${body.message}${body.requestId ? ` (request ${body.requestId})` : ''}`);
    this.name = 'ImportJobsApiError';
  }
}

export const finalStatuses: readonly ImportJobStatus[] = ['Completed', 'Failed', 'Cancelled'];

/**
 * The import-jobs REST API, typed with the service's own types: for other services, and for the
 * `import-jobs` CLI. It loads none of the service's code, only its types.
 */
export class ImportJobsClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ImportJobsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
  }

  /** `POST /v1/imports`. */
  async requestImport(request: RequestImportInput): Promise<RequestedImport> {
    const { status, body } = await this.call<JobResource>('POST', '/v1/imports', request);
    return { job: body, created: status === 202 };
  }

  /** `GET /v1/imports/:id`. */
  async getJob(jobId: string): Promise<JobResource> {
    return (await this.call<JobResource>('GET', `/v1/imports/${encodeURIComponent(jobId)}`)).body;
  }

  /** `GET /v1/imports`: one page, newest first; pass `nextCursor` back for the next. */
  async listJobs({ statuses, limit, cursor }: ListJobsOptions = {}): Promise<ImportJobPage> {
    const query = new URLSearchParams();
    if (statuses?.length) query.set('status', statuses.join(','));
    if (limit !== undefined) query.set('limit', String(limit));
    if (cursor !== undefined) query.set('cursor', cursor);
    const suffix = query.size > 0 ? `?${query}` : '';
    return (await this.call<ImportJobPage>('GET', `/v1/imports${suffix}`)).body;
  }

  /** `DELETE /v1/imports/:id`: resolves once the cancel is accepted; the job ends `Cancelled` later. */
  async cancel(jobId: string): Promise<void> {
    await this.call<null>('DELETE', `/v1/imports/${encodeURIComponent(jobId)}`);
  }

  /** `GET /v1/imports/:id/events`: the job's audit trail, in order. */
  async history(jobId: string): Promise<readonly JobHistoryEntry[]> {
    return (await this.call<{ events: JobHistoryEntry[] }>('GET', `/v1/imports/${encodeURIComponent(jobId)}/events`)).body.events;
  }

  /** Reads the job until it is Completed, Failed or Cancelled, reporting each change. */
  async watch(jobId: string, { intervalMs = 1_000, onProgress, signal }: WatchOptions = {}): Promise<JobResource> {
    let last = '';
    for (;;) {
      signal?.throwIfAborted();
      const job = await this.getJob(jobId);
      const seen = JSON.stringify([job.status, job.pieces, job.rows]);
      if (seen !== last) onProgress?.(job);
      last = seen;
      if (finalStatuses.includes(job.status)) return job;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  private async call<Body>(method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const response = await this.fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) }).catch((error: unknown) => {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new Error(`cannot reach the API at ${this.baseUrl}: ${cause}`, { cause: error });
    });
    const text = await response.text();
    const parsed = text === '' ? null : (JSON.parse(text) as unknown);
    if (!response.ok) throw new ImportJobsApiError(response.status, (parsed ?? { code: `HTTP_${response.status}`, message: response.statusText }) as ErrorBody);
    return { status: response.status, body: parsed as Body };
  }
}
