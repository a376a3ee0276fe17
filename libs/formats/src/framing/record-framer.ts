import type { RowLimits } from '../row-result';

/**
 * Finds where records end in one input, scanned from its first byte. It keeps between chunks the
 * little state a record's end depends on (inside quotes, a CR waiting for its LF), so chunk
 * boundaries never matter.
 */
export interface RecordScanner {
  /** The file's own line number of the next byte to scan. */
  readonly line: number;
  /** At the end of the input: whether the last record stopped inside a quoted field. */
  readonly insideQuotes: boolean;
  /** Where the next record starts: past the LF of a CRLF whose CR ended the previous record. */
  skipLineEndRest(chunk: Uint8Array, from: number): number;
  /** Scans one record from `from`: the index just past the byte that ends it, or -1 when the chunk ends first. */
  scanRecord(chunk: Uint8Array, from: number): number;
}

export interface FramedRecord {
  /** Offset of the record's first byte from the start of the input. */
  readonly offset: number;
  /** The file's own line number of the record's first byte. */
  readonly line: number;
  /** The record's length without its line ending; 0 for a blank line. */
  readonly byteLength: number;
  /** The record without its line ending, or only its first `rawHeadBytes` when `tooLong`. */
  readonly bytes: Uint8Array;
  readonly tooLong: boolean;
  /** The input ended inside a quoted field that this record opened. */
  readonly unterminatedQuote: boolean;
}

const byteOrderMark = Uint8Array.of(0xef, 0xbb, 0xbf);

/**
 * Cuts a byte stream into records as its scanner sees them, holding at most `maxRecordBytes` of a
 * record: past that, only its first `rawHeadBytes` are kept (to show it) and the rest is counted
 * until its end, so a 50 MB line costs no memory. A record lying inside one chunk is a view of it,
 * not a copy.
 */
export class RecordFramer {
  /** Offset of the next chunk's first byte. */
  private offset = 0;
  /** The first bytes of the input while they may still be a byte order mark. */
  private byteOrderMarkProbe: Uint8Array | undefined;
  private current: RecordInProgress | undefined;

  /**
   * @param atFileStart the input starts at the file's byte 0, the only place where a UTF-8 byte
   *   order mark is one (and is dropped); anywhere else U+FEFF is data.
   */
  constructor(
    private readonly scanner: RecordScanner,
    private readonly limits: RowLimits,
    atFileStart: boolean,
  ) {
    this.byteOrderMarkProbe = atFileStart ? new Uint8Array(0) : undefined;
  }

  /** The records that end in this chunk. */
  push(chunk: Uint8Array): FramedRecord[] {
    const records: FramedRecord[] = [];
    const data = this.byteOrderMarkProbe ? this.dropByteOrderMark(this.byteOrderMarkProbe, chunk) : chunk;
    if (data) this.frame(data, records);
    return records;
  }

  /** The last record, which needs no line ending. */
  finish(): FramedRecord[] {
    const records: FramedRecord[] = [];
    // An input shorter than a byte order mark that began like one is data after all.
    if (this.byteOrderMarkProbe) this.frame(this.byteOrderMarkProbe, records);
    this.byteOrderMarkProbe = undefined;
    if (this.current) records.push(this.current.complete(this.scanner.insideQuotes));
    this.current = undefined;
    return records;
  }

  private dropByteOrderMark(probe: Uint8Array, chunk: Uint8Array): Uint8Array | undefined {
    const seen = probe.length === 0 ? chunk : Buffer.concat([probe, chunk]);
    if (seen.length < byteOrderMark.length && startsWith(byteOrderMark, seen)) {
      this.byteOrderMarkProbe = seen;
      return undefined;
    }
    this.byteOrderMarkProbe = undefined;
    if (!startsWith(seen, byteOrderMark)) return seen;
    this.offset += byteOrderMark.length;
    return seen.subarray(byteOrderMark.length);
  }

  private frame(chunk: Uint8Array, records: FramedRecord[]): void {
    let from = 0;
    while (from < chunk.length) {
      if (!this.current) {
        from = this.scanner.skipLineEndRest(chunk, from);
        if (from === chunk.length) break;
        this.current = new RecordInProgress(this.offset + from, this.scanner.line, this.limits);
      }
      const next = this.scanner.scanRecord(chunk, from);
      if (next === -1) {
        this.current.append(chunk.subarray(from));
        break;
      }
      this.current.append(chunk.subarray(from, next - 1));
      records.push(this.current.complete(false));
      this.current = undefined;
      from = next;
    }
    this.offset += chunk.length;
  }
}

class RecordInProgress {
  private readonly parts: Uint8Array[] = [];
  private byteLength = 0;
  private keptBytes = 0;
  private tooLong = false;

  constructor(
    private readonly offset: number,
    private readonly line: number,
    private readonly limits: RowLimits,
  ) {}

  append(part: Uint8Array): void {
    this.byteLength += part.length;
    if (!this.tooLong && this.byteLength > this.limits.maxRecordBytes) {
      this.tooLong = true;
      const head = firstBytes(this.parts, this.limits.rawHeadBytes);
      this.parts.length = 0;
      this.parts.push(head);
      this.keptBytes = head.length;
    }
    // A too-long record keeps the same head however its bytes were chunked.
    const kept = this.tooLong ? part.subarray(0, Math.max(0, this.limits.rawHeadBytes - this.keptBytes)) : part;
    if (kept.length === 0) return;
    this.parts.push(kept);
    this.keptBytes += kept.length;
  }

  complete(unterminatedQuote: boolean): FramedRecord {
    const { offset, line, byteLength, tooLong } = this;
    return { offset, line, byteLength, bytes: concat(this.parts), tooLong, unterminatedQuote };
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  return Buffer.concat(parts);
}

function firstBytes(parts: Uint8Array[], count: number): Uint8Array {
  const head: Uint8Array[] = [];
  let length = 0;
  for (const part of parts) {
    if (length === count) break;
    const kept = part.subarray(0, count - length);
    head.push(kept);
    length += kept.length;
  }
  return concat(head);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((byte, index) => bytes[index] === byte);
}
