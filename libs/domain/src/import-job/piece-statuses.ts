export type PieceStatus = 'pending' | 'completed' | 'failed' | 'cancelled';

// Statuses sit in fixed-size blocks by plan index, so settling one piece copies one block and the
// list of blocks, and shares the rest with the state before.
const blockSize = 256;

/**
 * Every planned piece's status, in plan order, immutable. Replaying a job folds one event per
 * piece: copying a map of every piece for each would make loading a job of n pieces cost n², and
 * the job is loaded again for each piece's result. Here a settled piece costs one block of 256
 * statuses and a list of n / 256 blocks.
 */
export class PieceStatuses implements ReadonlyMap<string, PieceStatus> {
  static readonly none = PieceStatuses.fromEntries([]);

  /** The first status given for a piece is its status; the pieces keep the order given. */
  static fromEntries(entries: Iterable<readonly [string, PieceStatus]>): PieceStatuses {
    const indexOf = new Map<string, number>();
    const blocks: PieceStatus[][] = [];
    for (const [pieceId, status] of entries) {
      if (indexOf.has(pieceId)) continue;
      const index = indexOf.size;
      indexOf.set(pieceId, index);
      (blocks[Math.floor(index / blockSize)] ??= []).push(status);
    }
    return new PieceStatuses(indexOf, blocks);
  }

  private constructor(
    private readonly indexOf: ReadonlyMap<string, number>,
    private readonly blocks: readonly (readonly PieceStatus[])[],
  ) {}

  get size(): number {
    return this.indexOf.size;
  }

  get(pieceId: string): PieceStatus | undefined {
    const index = this.indexOf.get(pieceId);
    return index === undefined ? undefined : this.blocks[Math.floor(index / blockSize)]![index % blockSize];
  }

  has(pieceId: string): boolean {
    return this.indexOf.has(pieceId);
  }

  /** Where the piece stands in the plan, in constant time: `plan[position]` is its spec. */
  positionOf(pieceId: string): number | undefined {
    return this.indexOf.get(pieceId);
  }

  /** These pieces added, pending, after the ones already planned; a piece already planned keeps its status. */
  withPlanned(pieceIds: Iterable<string>): PieceStatuses {
    const added = [...pieceIds].map((pieceId) => [pieceId, 'pending'] as const);
    return PieceStatuses.fromEntries([...this, ...added]);
  }

  /** The piece's status changed; unchanged for a piece that was never planned. */
  with(pieceId: string, status: PieceStatus): PieceStatuses {
    const index = this.indexOf.get(pieceId);
    if (index === undefined) return this;
    const at = Math.floor(index / blockSize);
    const block = [...this.blocks[at]!];
    block[index % blockSize] = status;
    const blocks = [...this.blocks];
    blocks[at] = block;
    return new PieceStatuses(this.indexOf, blocks);
  }

  *entries(): MapIterator<[string, PieceStatus]> {
    for (const [pieceId, index] of this.indexOf) yield [pieceId, this.blocks[Math.floor(index / blockSize)]![index % blockSize]!];
  }

  keys(): MapIterator<string> {
    return this.indexOf.keys();
  }

  *values(): MapIterator<PieceStatus> {
    for (const [, status] of this.entries()) yield status;
  }

  [Symbol.iterator](): MapIterator<[string, PieceStatus]> {
    return this.entries();
  }

  forEach(callback: (status: PieceStatus, pieceId: string, map: ReadonlyMap<string, PieceStatus>) => void): void {
    for (const [pieceId, status] of this.entries()) callback(status, pieceId, this);
  }
}
