import type { PieceSpec } from './events';
import { isWithinChunkBounds, maxChunkBytes, maxPiecesPerChunk, PlanChunker } from './plan-chunks';

// The store weighs an event in UTF-8 bytes of its JSON; TextEncoder measures that independently
// of the byte count the chunking itself keeps.
function storedBytes(pieces: readonly PieceSpec[]): number {
  return new TextEncoder().encode(JSON.stringify(pieces)).length;
}

function piece(index: number, csvHeader: readonly string[] = ['id', 'name']): PieceSpec {
  return {
    pieceId: `piece-${index}`,
    object: { bucket: 'imports', key: 'customers.csv', etag: '"etag"', size: 1_000_000 },
    range: { start: index * 100, end: (index + 1) * 100 },
    compression: 'none',
    firstLine: index * 10 + 2,
    csvHeader,
    destinationTopic: 'customers',
  };
}

/** A whole plan known at once, cut with no batch ends: the fewest chunks within the bounds. */
function planChunks(plan: readonly PieceSpec[]): PieceSpec[][] {
  const chunker = new PlanChunker();
  const chunks: PieceSpec[][] = [];
  for (const closed of [...plan.map((piece) => chunker.add(piece)), chunker.end()]) if (closed !== undefined) chunks.push(closed);
  return chunks;
}

function pieces(count: number, csvHeader?: readonly string[]): PieceSpec[] {
  return Array.from({ length: count }, (_, index) => piece(index, csvHeader));
}

describe('a plan cut into chunks', () => {
  it('keeps every piece once, in plan order', () => {
    const plan = pieces(2500);
    expect(planChunks(plan).flat()).toEqual(plan);
  });

  it('closes a chunk of small pieces at the piece bound', () => {
    expect(planChunks(pieces(2500)).map((chunk) => chunk.length)).toEqual([maxPiecesPerChunk, maxPiecesPerChunk, 500]);
  });

  it('closes a chunk of wide pieces at the byte bound, counting UTF-8 bytes, not characters', () => {
    const header = Array.from({ length: 40 }, (_, index) => `colonne_${index}_é✓`);
    const chunks = planChunks(pieces(1000, header));

    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(storedBytes(chunk)).toBeLessThanOrEqual(maxChunkBytes);
    // Fewest chunks: each but the last is full, one more piece would not have fitted.
    for (const [index, chunk] of chunks.slice(0, -1).entries()) {
      expect(storedBytes([...chunk, chunks[index + 1]![0]!])).toBeGreaterThan(maxChunkBytes);
    }
  });

  it('gives a piece larger than the byte bound a chunk of its own', () => {
    const huge = piece(1, ['x'.repeat(maxChunkBytes)]);
    const chunks = planChunks([piece(0), huge, piece(2)]);

    expect(chunks).toEqual([[piece(0)], [huge], [piece(2)]]);
    expect(chunks.every(isWithinChunkBounds)).toBe(true);
  });

  it('has no chunk for a plan of no pieces', () => {
    expect(planChunks([])).toEqual([]);
  });

  it('knows a chunk past either bound', () => {
    expect(isWithinChunkBounds(pieces(maxPiecesPerChunk))).toBe(true);
    expect(isWithinChunkBounds(pieces(maxPiecesPerChunk + 1))).toBe(false);
    const wide = pieces(200, ['y'.repeat(2000)]);
    expect(storedBytes(wide)).toBeGreaterThan(maxChunkBytes);
    expect(isWithinChunkBounds(wide)).toBe(false);
  });

  describe('as its pieces are found', () => {
    /** Chunks closed by a plan of files of these piece counts, in order. */
    function chunkSizes(files: readonly number[]): number[] {
      const chunker = new PlanChunker();
      const sizes: number[] = [];
      let next = 0;
      const closedOne = (closed: PieceSpec[] | undefined) => closed && sizes.push(closed.length);
      for (const count of files) {
        for (let index = 0; index < count; index++) closedOne(chunker.add(piece(next++)));
        closedOne(chunker.atBatchEnd());
      }
      closedOne(chunker.end());
      return sizes;
    }

    it("closes the first chunk at the first file's end, so its pieces go to work while later files are read", () => {
      expect(chunkSizes([3, 5, 5])[0]).toBe(3);
    });

    it('closes each chunk early at a file end only once it holds 2^n pieces, n its index, and full ones after that', () => {
      expect(chunkSizes(Array.from({ length: 3000 }, () => 1))).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 977]);
    });

    it('records a lake of 100,000 one-piece files in a few more chunks than the fewest, not one per file', () => {
      const sizes = chunkSizes(Array.from({ length: 100_000 }, () => 1));
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(100_000);
      expect(sizes.length).toBeLessThanOrEqual(100_000 / maxPiecesPerChunk + 10);
    });

    it('cuts a large file into full chunks as a plan cut at once would', () => {
      expect(chunkSizes([2500])).toEqual(planChunks(pieces(2500)).map((chunk) => chunk.length));
    });
  });
});
