/** The bytes of a text as a file holds them (UTF-8). */
export function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** The input cut into chunks of the given sizes, repeated in turn, as a network stream would cut it. */
export async function* chunksOf(input: Uint8Array | string, sizes: readonly number[] = [Number.MAX_SAFE_INTEGER]): AsyncGenerator<Uint8Array> {
  const bytes = typeof input === 'string' ? bytesOf(input) : input;
  let offset = 0;
  for (let turn = 0; offset < bytes.length; turn++) {
    const size = Math.max(1, sizes[turn % sizes.length] ?? 1);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}
