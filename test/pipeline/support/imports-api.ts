import type { ErrorBody } from '@import-jobs/application/http/refusal.filter';
import type { JobHistoryEntry } from '@import-jobs/application/job-history/job-history.query';
import type { UploadResource } from '@import-jobs/application/uploads/upload-commands';
import type { ImportJobStatus } from '@import-jobs/domain';
import type { JobResource } from '@import-jobs/read-model';
import { eventually } from './deadline';
import type { ServiceLog } from './service-log';

export interface Answer<Body> {
  readonly status: number;
  readonly body: Body;
}

const finalStatuses: readonly ImportJobStatus[] = ['Completed', 'Failed', 'Cancelled'];

/** The service's HTTP API as a client sees it: status codes and JSON bodies, nothing from inside. */
export class ImportsApi {
  constructor(
    private readonly baseUrl: string,
    private readonly log: ServiceLog,
    private readonly authorization?: string,
  ) {}

  /** The same API, called with `Authorization: <authorization>`. */
  as(authorization: string): ImportsApi {
    return new ImportsApi(this.baseUrl, this.log, authorization);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.authorization === undefined ? extra : { ...extra, authorization: this.authorization };
  }

  /** `POST /v1/imports`; the body is `JobResource` on 200/202 and `ErrorBody` otherwise. */
  async requestImport(body: unknown): Promise<Answer<JobResource & ErrorBody> & { retryAfter: string | null }> {
    const response = await fetch(`${this.baseUrl}/v1/imports`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as JobResource & ErrorBody, retryAfter: response.headers.get('retry-after') };
  }

  async getJob(jobId: string): Promise<Answer<JobResource & ErrorBody>> {
    const response = await fetch(`${this.baseUrl}/v1/imports/${encodeURIComponent(jobId)}`, { headers: this.headers() });
    return { status: response.status, body: (await response.json()) as JobResource & ErrorBody };
  }

  /** `POST /v1/imports` as a multipart form: the file itself, and the job's fields beside it. */
  async upload(filename: string, content: Uint8Array | string, fields: Record<string, string>): Promise<Answer<JobResource & ErrorBody>> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([content]), filename);
    const response = await fetch(`${this.baseUrl}/v1/imports`, { method: 'POST', headers: this.headers(), body: form });
    return { status: response.status, body: (await response.json()) as JobResource & ErrorBody };
  }

  /** `DELETE /v1/imports/:id`: 204 when the cancel is accepted. */
  async cancel(jobId: string): Promise<Answer<ErrorBody | null>> {
    const response = await fetch(`${this.baseUrl}/v1/imports/${encodeURIComponent(jobId)}`, { method: 'DELETE', headers: this.headers() });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as ErrorBody) };
  }

  /** `GET /v1/imports/:id/events`: the job's audit trail. */
  async history(jobId: string): Promise<Answer<{ events: JobHistoryEntry[] } & ErrorBody>> {
    const response = await fetch(`${this.baseUrl}/v1/imports/${encodeURIComponent(jobId)}/events`, { headers: this.headers() });
    return { status: response.status, body: (await response.json()) as { events: JobHistoryEntry[] } & ErrorBody };
  }

  /** Polls the job until it reaches `status`. */
  async waitForStatus(jobId: string, status: JobResource['status'], timeoutMs = 60_000): Promise<JobResource> {
    let last: Answer<JobResource & ErrorBody> | undefined;
    return eventually(
      `job ${jobId} to be ${status}`,
      async () => {
        last = await this.getJob(jobId);
        return last.status === 200 && last.body.status === status ? last.body : undefined;
      },
      { timeoutMs, explain: () => `Last answer: ${last ? `${last.status} ${JSON.stringify(summary(last.body))}` : 'none'}` },
    );
  }

  /** `GET /v1/imports`: the first page of the caller's jobs. */
  async listJobs(): Promise<Answer<{ jobs: JobResource[]; nextCursor: string | null } & ErrorBody> & { retryAfter: string | null }> {
    const response = await fetch(`${this.baseUrl}/v1/imports`, { headers: this.headers() });
    const body = (await response.json()) as { jobs: JobResource[]; nextCursor: string | null } & ErrorBody;
    return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
  }

  /** `POST /v1/uploads`: starts an upload, answered with its id and where to PUT its bytes. */
  async startUpload(filename: string): Promise<Answer<UploadResource & ErrorBody>> {
    const response = await fetch(`${this.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ filename }),
    });
    return { status: response.status, body: (await response.json()) as UploadResource & ErrorBody };
  }

  /** PUTs a file's bytes to the `url` an upload was answered with. */
  async putUploadContent(url: string, content: Uint8Array | string, contentType = 'application/octet-stream'): Promise<Answer<UploadResource & ErrorBody>> {
    const response = await fetch(`${this.baseUrl}${url}`, { method: 'PUT', headers: this.headers({ 'content-type': contentType }), body: content });
    return { status: response.status, body: (await response.json()) as UploadResource & ErrorBody };
  }

  async getUpload(uploadId: string): Promise<Answer<UploadResource & ErrorBody>> {
    const response = await fetch(`${this.baseUrl}/v1/uploads/${encodeURIComponent(uploadId)}`, { headers: this.headers() });
    return { status: response.status, body: (await response.json()) as UploadResource & ErrorBody };
  }

  /** Requests an import that must be accepted as a new job; returns the job's id. */
  async startImport(body: unknown): Promise<string> {
    const { status, body: job } = await this.requestImport(body);
    if (status !== 202) throw new Error(`POST /v1/imports answered ${status}, not 202: ${JSON.stringify(job)}`);
    return job.id;
  }

  /** Polls the job until it is Completed, Failed or Cancelled. */
  async waitUntilFinished(jobId: string, timeoutMs = 60_000): Promise<JobResource> {
    let last: Answer<JobResource & ErrorBody> | undefined;
    return eventually(
      `job ${jobId} to finish`,
      async () => {
        last = await this.getJob(jobId);
        return last.status === 200 && finalStatuses.includes(last.body.status) ? last.body : undefined;
      },
      {
        timeoutMs,
        explain: () => `Last answer: ${last ? `${last.status} ${JSON.stringify(summary(last.body))}` : 'none'}\nService log:\n${this.log.recentProblems()}`,
      },
    );
  }
}

function summary(body: JobResource & ErrorBody): unknown {
  return body.status === undefined ? body : { status: body.status, pieces: body.pieces, rows: body.rows, failureReason: body.failureReason };
}
