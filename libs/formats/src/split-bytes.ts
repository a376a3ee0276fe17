import { RecordSplitter, type Split, type SplitOptions } from './find-splits';
import { defaultMaxRecordBytes } from './row-result';

/**
 * A record of the stream runs on past what a piece may hold: a line that never ends, or a quote
 * never closed, swallowing the rest of the file. Holding it to find its end would hold the file.
 */
export class RecordTooLongToSplitError extends Error {
  override readonly name = 'RecordTooLongToSplitError';

  constructor(
    readonly afterLine: number,
    readonly maxRecordBytes: number,
  ) {
    super(`the record after line ${afterLine} runs on past ${maxRecordBytes} bytes without ending (a line end missing, or a quote never closed): no piece can hold it`);
  }
}

/** A split and its bytes: a piece of a file that can be stored, and read, on its own. */
export interface SplitBytes {
  readonly split: Split;
  readonly csvHeader?: readonly string[];
  readonly bytes: Uint8Array;
}

/**
 * A file's bytes as they arrive, cut into splits at record boundaries (`findSplits`, quote-aware
 * for CSV), each handed out with its bytes as soon as it closes: what a stream that cannot be
 * entered in the middle (a gzip file, decompressed) becomes to be imported piece by piece. Holds
 * the bytes of one split and of the records read past it, never the file; the header of a CSV file
 * is in no split, and comes with every one (`csvHeader`). A record longer than `maxRecordBytes`
 * (the longest a worker publishes; default 1 MiB) throws RecordTooLongToSplitError rather than be held.
 */
export async function* splitsWithBytes(chunks: AsyncIterable<Uint8Array>, options: SplitOptions & { readonly maxRecordBytes?: number }): AsyncGenerator<SplitBytes> {
  const splitter = new RecordSplitter(options);
  const held = new HeldBytes();
  const maxRecordBytes = options.maxRecordBytes ?? defaultMaxRecordBytes;
  // A split closes at the first record start past the target, so a piece's bytes, one record and
  // the chunk it ends in are the most held while records stay within the limit.
  const mostHeld = (chunk: Uint8Array) => options.targetPieceBytes + maxRecordBytes + chunk.length;
  const cut = (split: Split): SplitBytes => {
    const bytes = held.take(split.start, split.end);
    const { csvHeader } = splitter;
    return csvHeader ? { split, csvHeader, bytes } : { split, bytes };
  };
  for await (const chunk of chunks) {
    held.append(chunk);
    for (const split of splitter.push(chunk)) yield cut(split);
    if (held.size > mostHeld(chunk)) throw new RecordTooLongToSplitError(splitter.lastRecordLine, maxRecordBytes);
  }
  for (const split of splitter.finish()) yield cut(split);
}

/** The bytes of a stream from some offset on, in the chunks they came in. */
class HeldBytes {
  private chunks: Uint8Array[] = [];
  /** The stream offset of the first held byte. */
  private start = 0;
  size = 0;

  append(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Bytes [from, to) of the stream, letting go of every byte before `to`. */
  take(from: number, to: number): Uint8Array {
    const parts: Uint8Array[] = [];
    const rest: Uint8Array[] = [];
    let offset = this.start;
    for (const chunk of this.chunks) {
      const chunkEnd = offset + chunk.length;
      const first = Math.max(from, offset);
      const last = Math.min(to, chunkEnd);
      if (first < last) parts.push(chunk.subarray(first - offset, last - offset));
      if (chunkEnd > to) rest.push(offset >= to ? chunk : chunk.subarray(to - offset));
      offset = chunkEnd;
    }
    this.chunks = rest;
    this.size -= to - this.start;
    this.start = to;
    return Buffer.concat(parts);
  }
}
