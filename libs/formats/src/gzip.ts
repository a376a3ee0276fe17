import { pipeline, Readable } from 'node:stream';
import { isNativeError } from 'node:util/types';
import { createGunzip } from 'node:zlib';
import { requirePositiveInteger } from './row-result';

/** A gzip object inflates beyond what the import accepts (a decompression bomb, or just too big). */
export class DecompressedSizeLimitError extends Error {
  readonly code = 'DECOMPRESSED_SIZE_LIMIT';

  constructor(readonly maxDecompressedBytes: number) {
    super(`gzip data decompresses to more than ${maxDecompressedBytes} bytes`);
    this.name = 'DecompressedSizeLimitError';
  }
}

/** The bytes are not a whole gzip stream: truncated (the object was cut short) or not gzip at all. */
export class CorruptGzipError extends Error {
  readonly code = 'CORRUPT_GZIP';

  constructor(cause: Error) {
    super(`gzip data is truncated or corrupt: ${cause.message}`, { cause });
    this.name = 'CorruptGzipError';
  }
}

export interface GunzipOptions {
  readonly maxDecompressedBytes: number;
}

/**
 * The decompressed bytes of a gzip stream, streaming, with back-pressure.
 *
 * A truncated stream yields data before it fails, so a caller must commit nothing of a piece until
 * this iteration has ended without error; the failure is a CorruptGzipError, a source error passes
 * through as it is. Stopping the iteration early closes the source.
 */
export async function* gunzipChunks(chunks: AsyncIterable<Uint8Array>, options: GunzipOptions): AsyncGenerator<Uint8Array> {
  requirePositiveInteger('maxDecompressedBytes', options.maxDecompressedBytes);
  // pipeline, unlike pipe, destroys every stage when one fails or the consumer stops, and the
  // error reaches the iteration below; its callback has nothing left to do.
  const inflated: AsyncIterable<Buffer> = pipeline(Readable.from(chunks), createGunzip(), () => undefined);
  let total = 0;
  try {
    for await (const chunk of inflated) {
      total += chunk.length;
      if (total > options.maxDecompressedBytes) throw new DecompressedSizeLimitError(options.maxDecompressedBytes);
      yield chunk;
    }
  } catch (error) {
    throw isZlibError(error) ? new CorruptGzipError(error) : error;
  }
}

function isZlibError(error: unknown): error is Error {
  // isNativeError, not instanceof: zlib's errors may come from another realm (a test sandbox).
  return isNativeError(error) && (error as NodeJS.ErrnoException).code?.startsWith('Z_') === true;
}
