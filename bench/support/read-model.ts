import autocannon from 'autocannon';

export interface LatencyFigures {
  readonly path: string;
  readonly rate: number;
  readonly seconds: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  readonly errors: number;
}

/**
 * GETs `path` at a fixed overall rate (not as fast as possible): the latency a steady load of
 * status queries sees, which is what a dashboard polling jobs puts on the read model.
 */
export async function measureLatency(api: string, path: string, rate: number, seconds: number): Promise<LatencyFigures> {
  const result = await autocannon({ url: `${api}${path}`, connections: 10, overallRate: rate, duration: seconds, timeout: 10 });
  return {
    path,
    rate,
    seconds,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
