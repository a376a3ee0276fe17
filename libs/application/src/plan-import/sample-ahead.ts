/** A stream's first bytes, read ahead, and the stream from its first byte again. */
export interface SampledStream {
  /** The first `sampleBytes` of the stream, or all of it when it is shorter. */
  readonly sample: Uint8Array;
  /** Every byte of the stream, the sample's included, in order. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/**
 * Reads `source` until it has handed out `sampleBytes`, and gives back those bytes as a sample and
 * as the start of `chunks`, which then reads `source` on: one read of a file serves both what its
 * first bytes decide (its CSV dialect) and the pass over all of it that needs that decision first.
 * The caller closes `source` (`return()`) once done with it, whether `chunks` was read to the end or not.
 */
export async function sampleAhead(source: AsyncIterator<Uint8Array>, sampleBytes: number): Promise<SampledStream> {
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < sampleBytes) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (ended) return;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }
  return { sample: Buffer.concat(head).subarray(0, sampleBytes), chunks: chunks() };
}
