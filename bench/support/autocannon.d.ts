// autocannon ships no types; only what bench/support/read-model.ts uses.
declare module 'autocannon' {
  interface Histogram {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly average: number;
  }
  interface Result {
    readonly latency: Histogram;
    readonly requests: { readonly total: number; readonly average: number };
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
  }
  interface Options {
    readonly url: string;
    readonly connections?: number;
    readonly overallRate?: number;
    readonly duration?: number;
    readonly timeout?: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export = autocannon;
}
