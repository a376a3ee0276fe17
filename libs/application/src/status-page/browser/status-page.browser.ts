/* istanbul ignore file: it runs in the browser, and counters added to its text would break the page there. */
// The status page's script. It is type-checked against the DOM by this folder's tsconfig.json, and
// the service serves the compiled text of `statusPage` itself (see ../status-page.script.ts): so
// everything the script uses lives inside that one function, and it names nothing outside it but
// the browser's globals and the types below, which compile to nothing.
//
// The tenant's progress stream is read with fetch rather than EventSource, so that the API key
// travels in the Authorization header, as for every other call, and never in a URL that access
// logs would keep.
import type { PieceTimelineEntry } from '../../job-history/piece-timeline-entry';

interface PieceCounts {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
}

interface RowCounts {
  readonly processed: number;
  readonly failed: number;
  readonly imported: number;
}

interface RowFailure {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw?: string;
}

/** What the page reads of a job: its resource (GET /v1/imports/:id) with its newest streamed progress over it. */
interface JobState {
  readonly id?: string;
  readonly jobId?: string;
  readonly status?: string;
  readonly version?: number;
  readonly createdAt?: string;
  readonly startedAt?: string | null;
  readonly start_time?: string | null;
  readonly completedAt?: string | null;
  readonly lastModifiedAt?: string;
  readonly pieces?: PieceCounts;
  readonly rows?: RowCounts;
  readonly failures?: readonly RowFailure[];
  readonly failureReason?: { readonly code: string } | null;
  readonly failedRecordReport?: string | null;
  readonly definition?: { readonly metadata?: { readonly filename?: string }; readonly sources: ReadonlyArray<{ readonly url: string }> };
}

interface Progress extends JobState {
  readonly jobId: string;
  readonly version: number;
  readonly status: string;
}

/** What the job's pieces in hand have read on top of a version: not committed, but moving. */
interface InFlight {
  readonly jobId: string;
  readonly version: number;
  readonly rows: { readonly read: number; readonly failed: number };
  readonly bytes: { readonly read: number; readonly total: number };
}

/** When the job had processed how many rows, by the job's own clock (its events' times). */
interface Sample {
  readonly at: number;
  readonly processed: number;
}

interface Job {
  resource: JobState;
  progress?: Progress;
  /** On top of `progress`, until its next version. */
  inFlight?: InFlight;
  row?: HTMLTableRowElement;
  samples: Sample[];
}

interface HistoryEntry {
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly data: { readonly pieceId?: string; readonly rowsProcessed?: number; readonly rowsFailed?: number };
}

export function statusPage(): void {
  const finished = ['Completed', 'Failed', 'Cancelled'];
  const keyStorage = 'import-jobs.api-key';
  /** Progress samples kept per job: past this, every second one is dropped, so the chart keeps the whole run at half the detail. */
  const maxSamples = 400;
  /** Bars the timeline draws at most: a larger job is drawn as an even sample of its pieces. */
  const maxBars = 2000;
  const svgNamespace = 'http://www.w3.org/2000/svg';
  const jobs = new Map<string, Job>();
  let stream: AbortController | undefined;
  let selected: string | undefined;

  /** An answer of the API that is not a success, with its HTTP status. */
  class ApiError extends Error {
    constructor(
      message: string,
      readonly status: number,
    ) {
      super(message);
    }
  }

  function $<T extends Element = HTMLElement>(selector: string): T {
    const element = document.querySelector<T>(selector);
    if (element === null) throw new Error(`the page has no ${selector}`);
    return element;
  }
  const tbody = $<HTMLTableSectionElement>('#jobs tbody');

  function apiKey(): string {
    return sessionStorage.getItem(keyStorage) ?? '';
  }
  function headers(extra: Record<string, string> = {}): Record<string, string> {
    return apiKey() === '' ? { ...extra } : { ...extra, authorization: `Bearer ${apiKey()}` };
  }

  function showProblem(message: string): void {
    const problem = $('#problem');
    problem.textContent = message;
    problem.hidden = message === '';
  }

  function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }

  async function call<T>(method: string, path: string, body?: FormData): Promise<T> {
    const response = await fetch(path, { method, headers: headers(), ...(body !== undefined && { body }) });
    const text = await response.text();
    const answer = text === '' ? null : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const message = (answer as { message?: unknown } | null)?.message;
      throw new ApiError(typeof message === 'string' ? message : `${response.status} ${response.statusText}`, response.status);
    }
    return answer as T;
  }

  function svg<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
    const element = document.createElementNS(svgNamespace, name);
    for (const [attribute, value] of Object.entries(attributes)) element.setAttribute(attribute, String(value));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function secondsText(milliseconds: number): string {
    return milliseconds < 10_000 ? `${(milliseconds / 1000).toFixed(1)} s` : `${Math.round(milliseconds / 1000)} s`;
  }

  // ── The jobs table ────────────────────────────────────────────────────────────────────────

  function current(job: Job): JobState {
    return { ...job.resource, ...job.progress };
  }

  function settledPieces(pieces: PieceCounts): number {
    return pieces.completed + pieces.failed + pieces.cancelled;
  }

  /** Of the pieces settled; of the bytes read while pieces are in hand, so that a one-piece job moves too. */
  function percent(state: JobState, inFlight?: InFlight): number {
    if (state.status === 'Completed') return 100;
    if (inFlight && inFlight.bytes.total > 0) return Math.floor((100 * inFlight.bytes.read) / inFlight.bytes.total);
    if (!state.pieces || state.pieces.total === 0) return 0;
    return Math.floor((100 * settledPieces(state.pieces)) / state.pieces.total);
  }

  function piecesText(pieces: PieceCounts): string {
    let text = `${settledPieces(pieces)}/${pieces.total} pieces`;
    if (pieces.failed > 0) text += `, ${pieces.failed} failed`;
    if (pieces.cancelled > 0) text += `, ${pieces.cancelled} cancelled`;
    return text;
  }

  function rowsPerSecond(state: JobState): string {
    const started = Date.parse(state.startedAt ?? state.start_time ?? state.createdAt ?? '');
    const until = Date.parse(state.completedAt ?? state.lastModifiedAt ?? '');
    const seconds = (until - started) / 1000;
    if (!(seconds > 0) || !state.rows || state.rows.processed === 0) return '–';
    return (state.rows.processed / seconds).toFixed(1);
  }

  function sourceName(state: JobState): string {
    const definition = state.definition;
    if (!definition) return state.jobId ?? state.id ?? '';
    if (definition.metadata?.filename) return definition.metadata.filename;
    return definition.sources.map((source) => source.url).join(', ');
  }

  function cell(row: HTMLTableRowElement, text?: string, className?: string): HTMLTableCellElement {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function button(className: string, text: string, onClick: (event: MouseEvent) => void): HTMLButtonElement {
    const element = document.createElement('button');
    element.type = 'button';
    element.className = className;
    element.textContent = text;
    element.addEventListener('click', onClick);
    return element;
  }

  function render(jobId: string): void {
    const job = jobs.get(jobId)!;
    const state = current(job);
    let row = job.row;
    if (!row) {
      row = job.row = document.createElement('tr');
      row.className = 'job';
      row.dataset['jobId'] = jobId;
      row.addEventListener('click', () => void openDetails(jobId, 'history'));
    }
    row.replaceChildren();
    row.dataset['status'] = state.status ?? '';
    cell(row, new Date(state.createdAt ?? '').toLocaleString(), 'created');
    cell(row, sourceName(state), 'source');
    const status = document.createElement('span');
    status.className = `status status-${state.status}`;
    status.textContent = state.status ?? '';
    cell(row, undefined, 'status-cell').appendChild(status);

    const progressCell = cell(row, undefined, 'progress-cell');
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.setAttribute('value', String(percent(state, job.inFlight)));
    bar.setAttribute('aria-label', `progress of job ${jobId}`);
    progressCell.appendChild(bar);
    const label = document.createElement('span');
    label.className = 'progress-label';
    label.textContent = state.pieces ? `${piecesText(state.pieces)} · ${percent(state, job.inFlight)}%` : '';
    progressCell.appendChild(label);

    const rows = state.rows ?? { processed: 0, failed: 0, imported: 0 };
    const reading = job.inFlight ? ` · ${job.inFlight.rows.read} read so far` : '';
    cell(row, `${rows.processed} processed, ${rows.imported} imported, ${rows.failed} failed${reading}`, 'rows');
    cell(row, rowsPerSecond(state), 'rate');

    const failures = cell(row, undefined, 'failures');
    if (rows.failed > 0) {
      failures.appendChild(
        button('open-failures', `${rows.failed} failed rows`, (event) => {
          event.stopPropagation();
          void openDetails(jobId, 'failures');
        }),
      );
    } else {
      failures.textContent = state.failureReason ? state.failureReason.code : '–';
    }

    const actions = cell(row, undefined, 'actions');
    if (!finished.includes(state.status ?? '') && state.status !== 'Cancelling') {
      const cancel = button('cancel', 'Cancel', (event) => {
        event.stopPropagation();
        void cancelJob(jobId, cancel);
      });
      actions.appendChild(cancel);
    }
    place(jobId, row);
    $('#no-jobs').hidden = jobs.size > 0;
    if (selected === jobId) {
      row.classList.add('selected');
      drawRate(jobId);
    }
  }

  /** Newest first: by creation time, then job id, as the API lists them. */
  function place(jobId: string, row: HTMLTableRowElement): void {
    const state = current(jobs.get(jobId)!);
    const before = Array.from(tbody.children).find((other) => {
      if (other === row || !(other instanceof HTMLTableRowElement)) return false;
      const otherId = other.dataset['jobId'] ?? '';
      const otherState = current(jobs.get(otherId)!);
      const [mine, theirs] = [state.createdAt ?? '', otherState.createdAt ?? ''];
      return theirs < mine || (theirs === mine && otherId < jobId);
    });
    if (row.parentNode !== tbody || row.nextSibling !== (before ?? null)) tbody.insertBefore(row, before ?? null);
  }

  function remember(resource: JobState & { readonly id: string }): void {
    const job = jobs.get(resource.id) ?? { resource: {}, samples: [] };
    job.resource = resource;
    jobs.set(resource.id, job);
    render(resource.id);
  }

  async function fetchJob(jobId: string): Promise<void> {
    try {
      remember(await call<JobState & { id: string }>('GET', `/v1/imports/${encodeURIComponent(jobId)}`));
      if (selected === jobId) showFailures(jobId);
    } catch (error) {
      showProblem(`Could not read job ${jobId}: ${messageOf(error)}`);
    }
  }

  /** One version of a job from the stream: applied once, in order; a finished job is read again for its failures and report. */
  function applyProgress(progress: Progress): void {
    let job = jobs.get(progress.jobId);
    if (job?.progress && job.progress.version >= progress.version) return;
    const wasFinished = job ? finished.includes(current(job).status ?? '') : false;
    if (!job) {
      job = { resource: { id: progress.jobId }, progress, samples: [] };
      jobs.set(progress.jobId, job);
      void fetchJob(progress.jobId);
    }
    job.progress = progress;
    job.inFlight = undefined;
    keepSample(job, progress);
    render(progress.jobId);
    if (!wasFinished && finished.includes(progress.status)) {
      void fetchJob(progress.jobId).then(() => {
        if (selected !== progress.jobId) return;
        void drawTimeline(progress.jobId);
        void showHistory(progress.jobId);
      });
    }
  }

  /** Figures on top of a job's version; those of a version the page has not, or no longer has, are dropped. */
  function applyInFlight(figures: InFlight): void {
    const job = jobs.get(figures.jobId);
    if (job?.progress?.version !== figures.version) return;
    job.inFlight = figures;
    render(figures.jobId);
  }

  // ── Rows per second, from the progress stream ─────────────────────────────────────────────

  /**
   * A sample for each version that processed rows: the versions between (planning, waiting for a
   * worker, closing) would draw the job's pauses as its rate. The first sample is the job's start
   * with no rows, so that a job first seen part-way through starts with its average so far.
   */
  function keepSample(job: Job, progress: Progress): void {
    const at = Date.parse(progress.lastModifiedAt ?? '');
    const started = Date.parse(progress.startedAt ?? '');
    const processed = progress.rows?.processed ?? 0;
    if (!(at > 0) || !(started > 0)) return;
    if (job.samples.length === 0) job.samples.push({ at: Math.min(started, at), processed: 0 });
    const last = job.samples.at(-1)!;
    if (processed <= last.processed) return;
    if (at <= last.at) {
      job.samples[job.samples.length - 1] = { at: last.at, processed };
      return;
    }
    job.samples.push({ at, processed });
    if (job.samples.length > maxSamples) job.samples = job.samples.filter((_, index) => index % 2 === 0 || index === job.samples.length - 1);
  }

  /** Rows per second between consecutive samples, at the later one's time. */
  function ratesOf(samples: readonly Sample[]): Array<{ at: number; rate: number }> {
    return samples.slice(1).map((sample, index) => {
      const previous = samples[index]!;
      return { at: sample.at, rate: ((sample.processed - previous.processed) * 1000) / (sample.at - previous.at) };
    });
  }

  function drawRate(jobId: string): void {
    const figure = $('#rate');
    const chart = $<SVGSVGElement>('#rate-chart');
    const samples = jobs.get(jobId)?.samples ?? [];
    const rates = ratesOf(samples);
    figure.hidden = rates.length === 0;
    chart.dataset['points'] = String(rates.length);
    chart.replaceChildren();
    if (rates.length === 0) return;
    const [width, height, left, bottom] = [800, 160, 56, 22];
    const start = samples[0]!.at;
    const span = Math.max(samples.at(-1)!.at - start, 1);
    const peak = Math.max(...rates.map((point) => point.rate), 1);
    const x = (at: number) => left + ((at - start) / span) * (width - left - 8);
    const y = (rate: number) => height - bottom - (rate / peak) * (height - bottom - 8);
    chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
    chart.append(
      svg('line', { class: 'axis', x1: left, y1: y(0), x2: width - 8, y2: y(0) }),
      svg('line', { class: 'axis', x1: left, y1: y(0), x2: left, y2: y(peak) }),
      svg('text', { class: 'tick', x: left - 6, y: y(peak) + 4, 'text-anchor': 'end' }, peak.toFixed(0)),
      svg('text', { class: 'tick', x: left - 6, y: y(0) + 4, 'text-anchor': 'end' }, '0'),
      svg('text', { class: 'tick', x: left, y: height - 4 }, new Date(start).toLocaleTimeString()),
      svg('text', { class: 'tick', x: width - 8, y: height - 4, 'text-anchor': 'end' }, `+${secondsText(span)}`),
      svg('polyline', { class: 'rate-line', points: [{ at: start, rate: rates[0]!.rate }, ...rates].map((point) => `${x(point.at).toFixed(1)},${y(point.rate).toFixed(1)}`).join(' ') }),
    );
    const latest = rates.at(-1)!.rate;
    chart.setAttribute(
      'aria-label',
      `Rows per second of job ${jobId}: ${rates.length} points over ${secondsText(span)}, latest ${latest.toFixed(1)}, peak ${peak.toFixed(1)}, ${samples.at(-1)!.processed} rows processed`,
    );
  }

  // ── The pieces on a timeline, once the job is over ────────────────────────────────────────

  /** The job's settled pieces, read a page at a time: all of them up to maxBars, an even sample of a larger job. */
  async function readTimeline(jobId: string, total: number): Promise<PieceTimelineEntry[]> {
    const every = Math.max(1, Math.ceil(total / maxBars));
    const pieces: PieceTimelineEntry[] = [];
    let from: number | null = 0;
    while (from !== null && pieces.length < maxBars) {
      const page: { pieces: PieceTimelineEntry[]; next: number | null } = await call('GET', `/v1/imports/${encodeURIComponent(jobId)}/pieces/timeline?from=${from}&every=${every}`);
      pieces.push(...page.pieces);
      from = page.next;
    }
    return pieces.slice(0, maxBars);
  }

  async function drawTimeline(jobId: string): Promise<void> {
    const figure = $('#timeline');
    const chart = $<SVGSVGElement>('#timeline-chart');
    const state = current(jobs.get(jobId)!);
    figure.hidden = true;
    chart.replaceChildren();
    if (!finished.includes(state.status ?? '') || !state.pieces || state.pieces.total === 0) return;
    let pieces: PieceTimelineEntry[];
    try {
      pieces = await readTimeline(jobId, state.pieces.total);
    } catch (error) {
      showProblem(`Could not read the pieces of job ${jobId}: ${messageOf(error)}`);
      return;
    }
    if (selected !== jobId || pieces.length === 0) return;
    const startOf = (piece: PieceTimelineEntry) => Date.parse(piece.claimedAt ?? piece.settledAt);
    const ordered = pieces.slice().sort((a, b) => startOf(a) - startOf(b));
    const start = Math.min(...ordered.map(startOf));
    const end = Math.max(...ordered.map((piece) => Date.parse(piece.settledAt)));
    const span = Math.max(end - start, 1);
    const [width, left, right, bottom] = [800, 8, 96, 22];
    const lane = Math.max(0.2, Math.min(18, 360 / ordered.length));
    const height = Math.ceil(lane * ordered.length) + bottom + 4;
    const x = (at: number) => left + ((at - start) / span) * (width - left - right);
    const labelled = lane >= 10;
    chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
    ordered.forEach((piece, index) => {
      const [from, to] = [x(startOf(piece)), x(Date.parse(piece.settledAt))];
      const top = index * lane + 2;
      const bar = svg('rect', { class: `piece piece-${piece.outcome}`, x: from.toFixed(1), y: top.toFixed(2), width: Math.max(to - from, 1).toFixed(1), height: Math.max(lane - (labelled ? 3 : 0), 0.2).toFixed(2) });
      const duration = piece.claimedAt === null ? 'never claimed' : secondsText(Date.parse(piece.settledAt) - startOf(piece));
      bar.append(svg('title', {}, `piece ${piece.pieceId}: ${piece.outcome}, ${piece.rowsProcessed} rows (${piece.rowsFailed} failed), ${duration}`));
      chart.append(bar);
      if (labelled) chart.append(svg('text', { class: 'bar-label', x: (to + 4).toFixed(1), y: (top + lane - 5).toFixed(1) }, `${piece.rowsProcessed} rows`));
    });
    chart.append(
      svg('line', { class: 'axis', x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
      svg('text', { class: 'tick', x: left, y: height - 4 }, new Date(start).toLocaleTimeString()),
      svg('text', { class: 'tick', x: width - right, y: height - 4, 'text-anchor': 'end' }, `+${secondsText(span)}`),
    );
    chart.dataset['bars'] = String(ordered.length);
    const rows = ordered.reduce((sum, piece) => sum + piece.rowsProcessed, 0);
    const slowest = Math.max(...ordered.map((piece) => Date.parse(piece.settledAt) - startOf(piece)));
    const sampled = ordered.length < state.pieces.total ? `an even sample of ${ordered.length} of its ${state.pieces.total} pieces` : `its ${ordered.length} pieces`;
    chart.setAttribute('aria-label', `Timeline of job ${jobId}: ${sampled}, ${rows} rows, over ${secondsText(span)}; the slowest piece took ${secondsText(slowest)}`);
    $('#timeline-caption').textContent = `Pieces: ${sampled}, from claim to commit`;
    figure.hidden = false;
  }

  // ── The live stream ───────────────────────────────────────────────────────────────────────

  function setConnection(text: string, live: boolean): void {
    const badge = $('#connection');
    badge.textContent = text;
    badge.classList.toggle('live', live);
  }

  /** Reads the tenant's progress stream; starts again after a drop (the stream begins with each job's current state). */
  async function follow(controller: AbortController): Promise<void> {
    try {
      const response = await fetch('/v1/imports/progress', { headers: headers({ accept: 'text/event-stream' }), signal: controller.signal });
      if (response.status === 401) {
        setConnection('not connected', false);
        showProblem('The API key is not valid.');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`the stream answered ${response.status}`);
      setConnection('live', true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      let type = 'message';
      let data: string[] = [];
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffered += decoder.decode(chunk.value, { stream: true });
        const lines = buffered.split(/\r\n|\r|\n/);
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') {
            if (type === 'progress' && data.length > 0) applyProgress(JSON.parse(data.join('\n')) as Progress);
            else if (type === 'in-flight' && data.length > 0) applyInFlight(JSON.parse(data.join('\n')) as InFlight);
            type = 'message';
            data = [];
          } else if (line.startsWith('data:')) {
            data.push(line.slice(5).replace(/^ /, ''));
          } else if (line.startsWith('event:')) {
            type = line.slice(6).trim();
          }
        }
      }
    } catch {
      // A dropped stream is followed again below, unless the page itself closed it.
    }
    if (controller.signal.aborted) return;
    setConnection('reconnecting…', false);
    setTimeout(() => {
      if (stream === controller) void follow(controller);
    }, 2000);
  }

  async function start(): Promise<void> {
    stream?.abort();
    const controller = (stream = new AbortController());
    jobs.clear();
    tbody.replaceChildren();
    closeDetails();
    showProblem('');
    try {
      const page = await call<{ jobs: Array<JobState & { id: string }> }>('GET', '/v1/imports?limit=50');
      page.jobs.forEach(remember);
      $('#no-jobs').hidden = jobs.size > 0;
    } catch (error) {
      const status = error instanceof ApiError ? error.status : undefined;
      const unauthorized = apiKey() === '' ? 'Enter your API key above.' : 'The API key is not valid.';
      showProblem(status === 401 ? unauthorized : `Could not list the jobs: ${messageOf(error)}`);
      if (status === 401) return;
    }
    void follow(controller);
  }

  // ── Actions ───────────────────────────────────────────────────────────────────────────────

  async function cancelJob(jobId: string, cancel: HTMLButtonElement): Promise<void> {
    cancel.disabled = true;
    try {
      await call('DELETE', `/v1/imports/${encodeURIComponent(jobId)}`);
      cancel.textContent = 'Cancelling…';
    } catch (error) {
      cancel.disabled = false;
      showProblem(`Could not cancel job ${jobId}: ${messageOf(error)}`);
    }
  }

  async function upload(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const fields = new FormData(event.target as HTMLFormElement);
    const body = new FormData();
    for (const name of ['destinationTopic', 'keyField', 'schema']) {
      const value = String(fields.get(name) ?? '').trim();
      if (value !== '') body.append(name, value);
    }
    const file = fields.get('file');
    if (file !== null) body.append('file', file);
    const result = $('#upload-result');
    result.textContent = 'Uploading…';
    try {
      const job = await call<JobState & { id: string }>('POST', '/v1/imports', body);
      result.textContent = `Accepted: job ${job.id}`;
      remember(job);
    } catch (error) {
      result.textContent = `Refused: ${messageOf(error)}`;
    }
  }

  // ── Details: charts, failures and history ─────────────────────────────────────────────────

  function closeDetails(): void {
    selected = undefined;
    $('#details').hidden = true;
    for (const row of tbody.querySelectorAll('tr.selected')) row.classList.remove('selected');
  }

  function showFailures(jobId: string): void {
    const state = current(jobs.get(jobId)!);
    const body = $('#failures tbody');
    body.replaceChildren();
    const failures = (state.failures ?? []).slice().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
    for (const failure of failures) {
      const row = document.createElement('tr');
      for (const text of [failure.file, String(failure.line), failure.reason, failure.raw ?? '']) cell(row, text);
      body.appendChild(row);
    }
    $('#no-failures').hidden = failures.length > 0;
    const link = $<HTMLAnchorElement>('#report-link');
    const report = state.failedRecordReport;
    link.hidden = !(typeof report === 'string' && /^https?:\/\//.test(report));
    if (typeof report === 'string' && !link.hidden) link.href = report;
    else link.removeAttribute('href');
  }

  async function openDetails(jobId: string, focus: 'history' | 'failures'): Promise<void> {
    closeDetails();
    selected = jobId;
    jobs.get(jobId)!.row?.classList.add('selected');
    $('#details-job').textContent = jobId;
    $('#details').hidden = false;
    drawRate(jobId);
    void drawTimeline(jobId);
    showFailures(jobId);
    $('#history ol').replaceChildren();
    $(focus === 'failures' ? '#failures' : '#history').scrollIntoView({ block: 'nearest' });
    await showHistory(jobId);
  }

  async function showHistory(jobId: string): Promise<void> {
    try {
      const history = await call<{ events: HistoryEntry[] }>('GET', `/v1/imports/${encodeURIComponent(jobId)}/events`);
      if (selected !== jobId) return;
      const list = $('#history ol');
      list.replaceChildren();
      for (const entry of history.events) {
        const item = document.createElement('li');
        const data = entry.data;
        const counts = data.rowsProcessed !== undefined ? `: ${data.rowsProcessed} rows, ${data.rowsFailed} failed` : '';
        const detail = data.pieceId ? ` piece ${data.pieceId}${counts}` : '';
        const type = document.createElement('strong');
        type.className = 'event-type';
        type.textContent = entry.type;
        item.append(`${new Date(entry.occurredAt).toLocaleTimeString()} `, type, ` v${entry.version}${detail}`);
        list.appendChild(item);
      }
    } catch (error) {
      showProblem(`Could not read the history of job ${jobId}: ${messageOf(error)}`);
    }
  }

  // ── Start ─────────────────────────────────────────────────────────────────────────────────

  $<HTMLInputElement>('#api-key').value = apiKey();
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(keyStorage, $<HTMLInputElement>('#api-key').value.trim());
    void start();
  });
  $('#upload-form').addEventListener('submit', (event) => void upload(event as SubmitEvent));
  $('#close-details').addEventListener('click', closeDetails);
  void start();
}
