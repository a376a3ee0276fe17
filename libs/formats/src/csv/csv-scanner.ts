import type { RecordScanner } from '../framing/record-framer';

const quote = 0x22;
const comma = 0x2c;
const cr = 0x0d;
const lf = 0x0a;

// Where the scan is within a record, as RFC 4180 reads it.
const fieldStart = 0;
const unquoted = 1;
const quoted = 2;
/** A quote inside a quoted field: it closes the field, or escapes the quote that follows. */
const quoteInQuoted = 3;

/**
 * Finds CSV record ends, quote-aware: a CR LF, LF or lone CR ends a record unless it is inside a
 * quoted field, and every one of them, quoted or not, starts a new physical line (a CR LF counts
 * once), so line numbers are the ones an editor shows even when line endings are mixed.
 *
 * Malformed quoting is framed so that the damage stays on its own line: a quote inside an unquoted
 * field is an ordinary byte, and text after a closing quote continues the field unquoted;
 * `splitFields` then rejects that one record. (A CSV library on its own, csv-parse for one, keeps
 * reading such a field as quoted and swallows the records after it.) The planner's splitter and the readers share this scanner, so a
 * piece always starts where a whole-file read would start a record, whatever the bytes are.
 */
export class CsvScanner implements RecordScanner {
  private state = fieldStart;
  private previousByteWasCr = false;

  constructor(public line: number) {}

  get insideQuotes(): boolean {
    return this.state === quoted;
  }

  skipLineEndRest(chunk: Uint8Array, from: number): number {
    if (!this.previousByteWasCr || chunk[from] !== lf) return from;
    this.previousByteWasCr = false;
    return from + 1;
  }

  scanRecord(chunk: Uint8Array, from: number): number {
    let state = this.state;
    let line = this.line;
    let previousByteWasCr = this.previousByteWasCr;
    let end = -1;
    for (let index = from; index < chunk.length; index++) {
      const byte = chunk[index];
      if (byte === cr || byte === lf) {
        if (byte === cr || !previousByteWasCr) line++;
        previousByteWasCr = byte === cr;
        if (state === quoted) continue;
        state = fieldStart;
        end = index + 1;
        break;
      }
      previousByteWasCr = false;
      if (state === quoted) {
        if (byte === quote) state = quoteInQuoted;
      } else if (state === unquoted) {
        if (byte === comma) state = fieldStart;
      } else if (byte === quote) {
        state = quoted;
      } else {
        state = byte === comma ? fieldStart : unquoted;
      }
    }
    this.state = state;
    this.line = line;
    this.previousByteWasCr = previousByteWasCr;
    return end;
  }
}
