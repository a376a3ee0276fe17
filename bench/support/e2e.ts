import { setTimeout as delay } from 'node:timers/promises';

const terminal = new Set(['Completed', 'Failed', 'Cancelled']);

interface HistoryEntry {
  readonly type: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
}

/** Where the end-to-end time of one import went, in ms, from the job's own events. */
export interface Phases {
  /** POST sent → ImportRequested stored: HTTP, request checks, the first append. */
  readonly accept: number;
  /** ImportRequested → ImportPlanningStarted stored: the planner's subscription noticing the job. */
  readonly waitForPlanner: number;
  /** ImportPlanningStarted → ImportPlanned stored: listing and reading the sources to cut pieces. */
  readonly planning: number;
  /** ImportPlanned stored → the last piece's result made by its worker: publishing work items, workers reading, parsing, producing. */
  readonly pieces: number;
  /** The last piece's result made → stored: the Kafka commit, the result recorder and its append. */
  readonly recording: number;
  /** Last piece stored → terminal event stored: the finisher (ImportCompleting, the report, ImportCompleted). */
  readonly finishing: number;
  /** Terminal event stored → a GET shows the job finished: the projector (and this poll's 20 ms step). */
  readonly readModel: number;
}

export interface ImportRun {
  readonly jobId: string;
  readonly status: string;
  readonly rows: number;
  readonly rowsFailed: number;
  /** POST sent → terminal event stored. */
  readonly endToEndMs: number;
  readonly phases: Phases;
}

export interface ImportRequest {
  readonly url: string;
  /** `prefix`: every object under the URL. Defaults to `object`. */
  readonly sourceType?: 'object' | 'prefix';
  readonly format: 'CSV' | 'JSON';
  readonly destinationTopic: string;
  readonly schema?: object;
  /** NDJSON: publish each line as the file writes it (`json.passThrough`). */
  readonly passThrough?: boolean;
  readonly clientToken: string;
}

/** Requests an import, polls its status until it ends, and reads its events for the phases. */
export async function runImport(api: string, request: ImportRequest, timeoutMs: number): Promise<ImportRun> {
  const posted = Date.now();
  const response = await fetch(`${api}/v1/imports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sources: [{ url: request.url, type: request.sourceType ?? 'object' }], format: request.format, destinationTopic: request.destinationTopic, keyField: 'id', clientToken: request.clientToken, ...(request.schema && { schema: request.schema }), ...(request.passThrough && { json: { passThrough: true } }) }),
  });
  const accepted = (await response.json()) as { id?: string };
  if (response.status !== 202 || accepted.id === undefined) throw new Error(`POST /v1/imports answered ${response.status}: ${JSON.stringify(accepted)}`);
  const jobId = accepted.id;
  const deadline = posted + timeoutMs;
  let job: { status: string; rows: { processed: number; failed: number }; failureReason?: unknown };
  for (;;) {
    const answer = await fetch(`${api}/v1/imports/${jobId}`);
    job = (await answer.json()) as typeof job;
    if (answer.status === 200 && terminal.has(job.status)) break;
    if (Date.now() > deadline) throw new Error(`import ${jobId} did not finish within ${timeoutMs} ms; last status ${JSON.stringify(job)}`);
    await delay(20);
  }
  const visible = Date.now();
  const { events } = (await (await fetch(`${api}/v1/imports/${jobId}/events`)).json()) as { events: HistoryEntry[] };
  const at = (type: string, field: 'occurredAt' | 'recordedAt' = 'recordedAt'): number => {
    const found = events.findLast((event) => event.type === type);
    if (!found) throw new Error(`job ${jobId} has no ${type} event: ${events.map((event) => event.type).join(', ')}`);
    return Date.parse(found[field]);
  };
  const pieces = events.filter((event) => event.type === 'PieceCompleted' || event.type === 'PieceFailed');
  const lastPiece = pieces.reduce((latest, event) => (Date.parse(event.recordedAt) > Date.parse(latest.recordedAt) ? event : latest));
  const end = events.find((event) => ['ImportCompleted', 'JobFailed', 'ImportCancelled'].includes(event.type));
  if (!end) throw new Error(`job ${jobId} shows ${job.status} but has no terminal event`);
  const ended = Date.parse(end.recordedAt);
  return {
    jobId,
    status: job.status,
    rows: job.rows.processed,
    rowsFailed: job.rows.failed,
    endToEndMs: ended - posted,
    phases: {
      accept: at('ImportRequested') - posted,
      waitForPlanner: at('ImportPlanningStarted') - at('ImportRequested'),
      planning: at('ImportPlanned') - at('ImportPlanningStarted'),
      pieces: Date.parse(lastPiece.occurredAt) - at('ImportPlanned'),
      recording: Date.parse(lastPiece.recordedAt) - Date.parse(lastPiece.occurredAt),
      finishing: ended - Date.parse(lastPiece.recordedAt),
      readModel: visible - ended,
    },
  };
}
