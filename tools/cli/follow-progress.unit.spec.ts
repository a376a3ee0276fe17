import { ImportJobsApiError } from '@import-jobs/client';
import { ApiConnection } from './api-connection';
import { followJobProgress, ProgressStreamLostError, type FollowOptions } from './follow-progress';

const jobId = 'job-1';

/** One `event: progress` as the service writes it. */
function progressEvent(version: number, status: string): string {
  const progress = { jobId, version, status, pieces: { total: 2, completed: version, failed: 0, cancelled: 0 }, rows: { processed: version * 10, failed: 0, imported: version * 10 } };
  return `event: progress\nid: ${version}\ndata: ${JSON.stringify(progress)}\n\n`;
}

type Answer = (request: { lastEventId: string | null; signal: AbortSignal }) => Response | Promise<Response>;

/**
 * A stream answer that sends `chunks` one at a time as they are read, as the network delivers
 * them, then ends, is cut (as a dropped connection is), or stays silent until the client aborts.
 */
function stream(chunks: readonly string[], then: 'end' | 'drop' | 'hang', signal?: AbortSignal): Response {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[next++]));
      else if (then === 'end') controller.close();
      else if (then === 'drop') controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
      else signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const refused = (status: number, code: string) => new Response(JSON.stringify({ code, message: `refused with ${code}` }), { status });
const unreachable = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));

/** Follows the job against a service that gives these answers in turn, recording what the client did. */
async function follow(answers: readonly Answer[], options: Partial<FollowOptions> = {}) {
  const requests: Array<{ url: string; lastEventId: string | null; authorization: string | null }> = [];
  const seen: number[] = [];
  const notices: string[] = [];
  const transport = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({ url: String(input), lastEventId: headers.get('last-event-id'), authorization: headers.get('authorization') });
    const answer = answers[requests.length - 1];
    if (!answer) throw new Error('the client asked more often than the test expected');
    return answer({ lastEventId: headers.get('last-event-id'), signal: init!.signal! });
  }) as typeof fetch;
  const api = new ApiConnection('http://api.test/', 'key', transport);
  const outcome = followJobProgress(api, jobId, {
    onProgress: (progress) => seen.push(progress.version),
    onReconnect: (notice) => notices.push(notice),
    reconnectDelayMs: 1,
    ...options,
  });
  return { outcome, requests, seen, notices };
}

describe('followJobProgress', () => {
  it('reports every version, skipping keep-alives, and resolves with the terminal one', async () => {
    const { outcome, requests, seen } = await follow([() => stream([`\n${progressEvent(0, 'Processing')}: keep-alive\n\n`, progressEvent(1, 'Processing'), progressEvent(2, 'Completed')], 'hang')]);

    await expect(outcome).resolves.toMatchObject({ version: 2, status: 'Completed' });
    expect(seen).toEqual([0, 1, 2]);
    expect(requests).toEqual([{ url: 'http://api.test/v1/imports/job-1/progress', lastEventId: null, authorization: 'Bearer key' }]);
  });

  it('reconnects after a drop with the last id it received, and reports each version once', async () => {
    const { outcome, requests, seen, notices } = await follow([
      () => stream([progressEvent(0, 'Planning'), progressEvent(1, 'Processing'), 'event: progress\nid: 2\ndata: {"cut off'], 'drop'),
      () => stream([progressEvent(2, 'Processing'), progressEvent(3, 'Completed')], 'end'),
    ]);

    await expect(outcome).resolves.toMatchObject({ version: 3 });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(requests.map((request) => request.lastEventId)).toEqual([null, '1']);
    expect(notices).toEqual(['progress stream dropped (terminated: other side closed); reconnecting after version 1 in 1 ms, attempt 1 of 5']);
  });

  it('reconnects when the service ends the stream before the job ended, as it does when it shuts down', async () => {
    const { outcome, requests } = await follow([() => stream([progressEvent(4, 'Processing')], 'end'), () => stream([progressEvent(5, 'Cancelled')], 'end')]);

    await expect(outcome).resolves.toMatchObject({ status: 'Cancelled' });
    expect(requests.map((request) => request.lastEventId)).toEqual([null, '4']);
  });

  it('gives up after the reconnections allowed in a row, waiting twice as long each time', async () => {
    const { outcome, requests, notices } = await follow([unreachable, unreachable, unreachable, unreachable], { maxReconnects: 3 });

    await expect(outcome).rejects.toThrow(ProgressStreamLostError);
    await expect(outcome).rejects.toThrow('after 3 reconnections: cannot reach the API at http://api.test: connect ECONNREFUSED 127.0.0.1:9');
    expect(requests).toHaveLength(4);
    expect(notices.map((notice) => /in (\d+) ms, attempt (\d) of 3$/.exec(notice)?.slice(1))).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['4', '3'],
    ]);
  });

  it('counts failures in a row only: a connection that delivered a version starts the count again', async () => {
    const { outcome, seen } = await follow(
      [unreachable, unreachable, () => stream([progressEvent(0, 'Processing')], 'drop'), unreachable, () => stream([progressEvent(1, 'Completed')], 'end')],
      { maxReconnects: 2 },
    );

    await expect(outcome).resolves.toMatchObject({ version: 1 });
    expect(seen).toEqual([0, 1]);
  });

  it('waits as long as the service asks with retry:', async () => {
    const { outcome, notices } = await follow([() => stream([`retry: 7\n\n${progressEvent(0, 'Processing')}`], 'drop'), () => stream([progressEvent(1, 'Completed')], 'end')]);

    await outcome;
    expect(notices).toEqual([expect.stringContaining('in 7 ms')]);
  });

  it('takes a silent connection for a dead one', async () => {
    const { outcome, notices } = await follow([({ signal }) => stream([progressEvent(0, 'Processing')], 'hang', signal), () => stream([progressEvent(1, 'Failed')], 'end')], {
      idleTimeoutMs: 20,
    });

    await expect(outcome).resolves.toMatchObject({ status: 'Failed' });
    expect(notices).toEqual([expect.stringContaining('(nothing received for 0.02 s)')]);
  });

  it('retries a refusal that may pass, and stops at one that will not', async () => {
    const tooMany = await follow([() => refused(429, 'TOO_MANY_PROGRESS_STREAMS'), () => stream([progressEvent(0, 'Completed')], 'end')]);
    await expect(tooMany.outcome).resolves.toMatchObject({ version: 0 });

    const unauthorised = await follow([() => refused(401, 'UNAUTHORIZED')]);
    await expect(unauthorised.outcome).rejects.toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });

    const unknown = await follow([() => refused(404, 'JOB_NOT_FOUND')]);
    await expect(unknown.outcome).rejects.toThrow(ImportJobsApiError);
    expect([unauthorised.requests.length, unknown.requests.length]).toEqual([1, 1]);
  });

  it('resolves with nothing when the service answers that the client has the terminal version already', async () => {
    const { outcome } = await follow([() => new Response(null, { status: 204 })]);

    await expect(outcome).resolves.toBeUndefined();
  });
});
