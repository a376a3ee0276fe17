import { rfc4180Dialect, type CsvDialect } from '@import-jobs/domain';
import type { RecordScanner } from '../framing/record-framer';

const cr = 0x0d;
const lf = 0x0a;
const space = 0x20;
const tab = 0x09;
const none = -1;

// Where the scan is within a record, as RFC 4180 reads it.
const fieldStart = 0;
const unquoted = 1;
const quoted = 2;
/** A quote inside a quoted field: it closes the field, or (when the escape is the quote) escapes the quote that follows. */
const quoteInQuoted = 3;
/** An escape character inside a quoted field, other than the quote: the next byte is part of the value. */
const escapeInQuoted = 4;
/** Trimming: spaces after a closing quote, before the delimiter. */
const afterQuoted = 5;

/** A dialect's syntax as the bytes the scanner compares: every one is ASCII, so one byte in UTF-8 and windows-1252 alike. */
export interface CsvSyntax {
  readonly delimiter: number;
  readonly quote: number;
  /** The escape inside quotes when it is not the quote itself; `none` otherwise. */
  readonly escape: number;
  readonly trim: boolean;
}

export function csvSyntaxOf(dialect: CsvDialect): CsvSyntax {
  const byte = (character: string | null) => (character === null ? none : character.charCodeAt(0));
  return {
    delimiter: byte(dialect.delimiter),
    quote: byte(dialect.quote),
    escape: dialect.escape === dialect.quote ? none : byte(dialect.escape),
    trim: dialect.trim,
  };
}

/**
 * Finds CSV record ends, quote-aware: a CR LF, LF or lone CR ends a record unless it is inside a
 * quoted field, and every one of them, quoted or not, starts a new physical line (a CR LF counts
 * once), so line numbers are the ones an editor shows even when line endings are mixed.
 *
 * Malformed quoting is framed so that the damage stays on its own line: a quote inside an unquoted
 * field is an ordinary byte, and text after a closing quote continues the field unquoted;
 * `splitFields` then rejects that one record. (A CSV library on its own, csv-parse for one, keeps
 * reading such a field as quoted and swallows the records after it.) The planner's splitter and the
 * readers share this scanner, so a piece always starts where a whole-file read would start a
 * record, whatever the bytes are.
 */
export class CsvScanner implements RecordScanner {
  private state = fieldStart;
  private previousByteWasCr = false;
  private readonly syntax: CsvSyntax;
  /** The chunk last looked at, and whether it holds neither a quote nor a CR (see `scanRecord`). */
  private chunkSeen: Uint8Array | undefined;
  private chunkSeenIsPlain = false;

  constructor(
    public line: number,
    dialect: CsvDialect = rfc4180Dialect,
  ) {
    this.syntax = csvSyntaxOf(dialect);
  }

  get insideQuotes(): boolean {
    return this.state === quoted || this.state === escapeInQuoted;
  }

  skipLineEndRest(chunk: Uint8Array, from: number): number {
    if (!this.previousByteWasCr || chunk[from] !== lf) return from;
    this.previousByteWasCr = false;
    return from + 1;
  }

  scanRecord(chunk: Uint8Array, from: number): number {
    // Most chunks hold no quote and no CR: outside quotes, every record of such a chunk ends at its
    // next LF, which the engine finds far faster than a byte-by-byte walk. Asked once per chunk.
    if (this.state === fieldStart && !this.previousByteWasCr && this.isPlain(chunk)) {
      const lineEnd = chunk.indexOf(lf, from);
      if (lineEnd !== -1) {
        this.line++;
        return lineEnd + 1;
      }
    }
    return this.walkRecord(chunk, from);
  }

  private isPlain(chunk: Uint8Array): boolean {
    if (chunk !== this.chunkSeen) {
      this.chunkSeen = chunk;
      this.chunkSeenIsPlain = (this.syntax.quote === none || chunk.indexOf(this.syntax.quote) === -1) && chunk.indexOf(cr) === -1;
    }
    return this.chunkSeenIsPlain;
  }

  private walkRecord(chunk: Uint8Array, from: number): number {
    const { delimiter, quote, escape, trim } = this.syntax;
    let state = this.state;
    let line = this.line;
    let previousByteWasCr = this.previousByteWasCr;
    let end = -1;
    for (let index = from; index < chunk.length; index++) {
      const byte = chunk[index];
      if (byte === cr || byte === lf) {
        if (byte === cr || !previousByteWasCr) line++;
        previousByteWasCr = byte === cr;
        if (state === quoted || state === escapeInQuoted) {
          state = quoted;
          continue;
        }
        state = fieldStart;
        end = index + 1;
        break;
      }
      previousByteWasCr = false;
      if (state === quoted) {
        if (byte === quote) state = quoteInQuoted;
        else if (byte === escape) state = escapeInQuoted;
      } else if (state === escapeInQuoted) {
        state = quoted;
      } else if (state === quoteInQuoted) {
        if (byte === quote && escape === none) state = quoted;
        else if (byte === delimiter) state = fieldStart;
        else state = trim && isBlank(byte, delimiter) ? afterQuoted : unquoted;
      } else if (state === afterQuoted) {
        if (byte === delimiter) state = fieldStart;
        else if (!isBlank(byte, delimiter)) state = unquoted;
      } else if (state === unquoted) {
        if (byte === delimiter) state = fieldStart;
      } else if (byte === quote) {
        state = quoted;
      } else if (byte !== delimiter && !(trim && isBlank(byte, delimiter))) {
        state = unquoted;
      }
    }
    this.state = state;
    this.line = line;
    this.previousByteWasCr = previousByteWasCr;
    return end;
  }
}

/** What trimming drops around a field: spaces, and tabs unless they are the delimiter. */
export function isBlank(byte: number | undefined, delimiter: number): boolean {
  return byte === space || (byte === tab && delimiter !== tab);
}
