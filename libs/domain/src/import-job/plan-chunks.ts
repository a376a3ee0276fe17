import type { PieceSpec } from './events';

/**
 * A job's plan is recorded in chunks, each one event appended on its own: one event holding every
 * piece outgrows what one append may weigh (EventStoreDB's default MaxAppendSize, 1 MiB) at a few
 * thousand pieces, and a job may have a hundred thousand. A chunk closes at whichever bound it
 * reaches first; the bytes bound keeps a chunk of pieces with wide CSV headers a quarter of the
 * append limit, so the event around it, and the job-events message that republishes it, fit too.
 */
export const maxPiecesPerChunk = 1000;
// 250 KiB of pieces, so that the whole event (its other fields and metadata) and the job-events
// message that republishes it (its envelope) stay within 256 KiB too: measured, they add a few
// hundred bytes.
export const maxChunkBytes = 250 * 1024;

/** The UTF-8 size of a piece's JSON, as the event store weighs it. */
export function pieceJsonBytes(piece: PieceSpec): number {
  return utf8Bytes(JSON.stringify(piece));
}

/** The UTF-8 size of a chunk's pieces as a JSON array: the pieces, a comma between each two, the brackets. */
export function chunkJsonBytes(pieces: readonly PieceSpec[]): number {
  return pieces.reduce((bytes, piece) => bytes + pieceJsonBytes(piece), 2 + Math.max(0, pieces.length - 1));
}

/**
 * Whether a chunk keeps within both bounds. A single piece larger than the bytes bound (a CSV
 * header near its own limit) is a chunk of its own rather than a plan that cannot be recorded.
 */
export function isWithinChunkBounds(pieces: readonly PieceSpec[]): boolean {
  return pieces.length <= maxPiecesPerChunk && (pieces.length === 1 || chunkJsonBytes(pieces) <= maxChunkBytes);
}

/**
 * Cuts a plan into chunks as its pieces are found, so that each chunk is recorded, and its pieces
 * go to work, while the planner still reads: a chunk closes when it is full (the bounds above), or
 * early at the end of a batch of a file's pieces (`atBatchEnd`: a plain file, or one staged part of
 * a gzip file) once it holds
 * at least 2^n pieces, n its index. The first pieces so go out after the first file, not after a
 * thousand pieces, and a plan of many small files still records a handful of chunks more than the
 * fewest, not one per file. The cut depends only on the pieces and where the files end, so
 * planning the same sources again cuts the same chunks.
 */
export class PlanChunker {
  private chunk: PieceSpec[] = [];
  private bytes = 2;
  private index = 0;

  /** Adds the next piece; returns the chunk it closed, full, when it did not fit in it. */
  add(piece: PieceSpec): PieceSpec[] | undefined {
    const pieceBytes = pieceJsonBytes(piece);
    const closed = this.chunk.length === maxPiecesPerChunk || (this.chunk.length > 0 && this.bytes + 1 + pieceBytes > maxChunkBytes) ? this.close() : undefined;
    this.bytes += (this.chunk.length > 0 ? 1 : 0) + pieceBytes;
    this.chunk.push(piece);
    return closed;
  }

  /** A batch of a file's pieces is all added: the chunk closes here if it is large enough for its index. */
  atBatchEnd(): PieceSpec[] | undefined {
    return this.chunk.length > 0 && this.chunk.length >= 2 ** Math.min(this.index, 30) ? this.close() : undefined;
  }

  /** Every piece is added: the last chunk, if any piece is left. */
  end(): PieceSpec[] | undefined {
    return this.chunk.length > 0 ? this.close() : undefined;
  }

  /** The index the next chunk closed will have: also how many were closed. */
  get chunksClosed(): number {
    return this.index;
  }

  private close(): PieceSpec[] {
    const closed = this.chunk;
    this.chunk = [];
    this.bytes = 2;
    this.index += 1;
    return closed;
  }
}

// JSON.stringify escapes lone surrogates, so every surrogate in its output is half of a pair.
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}
