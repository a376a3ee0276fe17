import { ImportJobsApiError, ImportJobsClient, type ErrorBody } from '@import-jobs/client';

/** No answer from the API at all (refused, reset, unknown host), as opposed to an answer refusing the request. */
export class ApiUnreachableError extends Error {
  constructor(baseUrl: string, failure: unknown) {
    // fetch reports every network failure as "fetch failed"; the reason is its cause.
    const reason = (failure as { cause?: unknown }).cause ?? failure;
    super(`cannot reach the API at ${baseUrl}: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
    this.name = 'ApiUnreachableError';
  }
}

/**
 * The API as the CLI talks to it: the typed client for the JSON calls it has, and authorised
 * `fetch` for the ones it lacks (uploading a file's bytes, following a progress stream). Every
 * request goes through one `fetch` that tells a network failure apart from a refusal, so that the
 * CLI can exit with the code for each.
 */
export class ApiConnection {
  readonly baseUrl: string;
  readonly client: ImportJobsClient;

  constructor(
    baseUrl: string,
    private readonly apiKey: string | undefined,
    /** The global `fetch` unless given: tests give one that plays the service. */
    private readonly transport: typeof fetch = fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.client = new ImportJobsClient({ baseUrl: this.baseUrl, ...(apiKey && { apiKey }), fetch: this.fetch });
  }

  readonly fetch: typeof fetch = (input, init) =>
    this.transport(input, init).catch((error: unknown) => {
      // An abort is the caller's own decision, not the network's.
      if (init?.signal?.aborted) throw error;
      throw new ApiUnreachableError(this.baseUrl, error);
    });

  /** A path of the API, or a URL it answered with, which is relative to the API's address. */
  url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.baseUrl}${path}`;
  }

  headers(headers: Record<string, string> = {}): Record<string, string> {
    return { ...headers, ...(this.apiKey && { authorization: `Bearer ${this.apiKey}` }) };
  }

  /** A JSON call the typed client has no method for. */
  async send<Body>(method: string, path: string, body: unknown): Promise<Body> {
    const response = await this.fetch(this.url(path), {
      method,
      headers: this.headers({ accept: 'application/json', 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    return this.answer<Body>(response);
  }

  /** The body of a successful answer; the API's error as an `ImportJobsApiError` otherwise. */
  async answer<Body>(response: Response): Promise<Body> {
    if (!response.ok) throw await this.refusal(response);
    return (await response.json()) as Body;
  }

  /** The service's error body, or a stand-in when something in between (a proxy) answered instead. */
  async refusal(response: Response): Promise<ImportJobsApiError> {
    const text = await response.text().catch(() => '');
    let body: ErrorBody | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<ErrorBody> | null;
      if (typeof parsed?.code === 'string' && typeof parsed.message === 'string') body = parsed as ErrorBody;
    } catch {
      // Not JSON: not the service's answer.
    }
    return new ImportJobsApiError(response.status, body ?? ({ code: `HTTP_${response.status}`, message: response.statusText } as ErrorBody));
  }
}
