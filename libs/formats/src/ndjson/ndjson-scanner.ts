import type { RecordScanner } from '../framing/record-framer';

const lf = 0x0a;

/**
 * NDJSON records end at LF and only there: a JSON text cannot hold a raw LF, so any LF is a record
 * boundary. The CR of a CR LF stays on the line, where JSON reads it as whitespace.
 */
export class NdjsonScanner implements RecordScanner {
  readonly insideQuotes = false;

  constructor(public line: number) {}

  skipLineEndRest(_chunk: Uint8Array, from: number): number {
    return from;
  }

  scanRecord(chunk: Uint8Array, from: number): number {
    const index = chunk.indexOf(lf, from);
    if (index === -1) return -1;
    this.line++;
    return index + 1;
  }
}
