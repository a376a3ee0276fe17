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

/** The plan's pieces, in order, cut into the fewest chunks within the bounds. */
export function planChunks(pieces: readonly PieceSpec[]): PieceSpec[][] {
  const chunks: PieceSpec[][] = [];
  let chunk: PieceSpec[] = [];
  let bytes = 2;
  for (const piece of pieces) {
    const pieceBytes = pieceJsonBytes(piece);
    if (chunk.length === maxPiecesPerChunk || (chunk.length > 0 && bytes + 1 + pieceBytes > maxChunkBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 2;
    }
    bytes += (chunk.length > 0 ? 1 : 0) + pieceBytes;
    chunk.push(piece);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
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
