import { readAll } from '@import-jobs/sources/testing/byte-streams';
import { sampleAhead } from './sample-ahead';

describe('sampleAhead', () => {
  it('samples the first bytes, reading only the chunks they need, then hands out every byte once, from one read', async () => {
    const source = new CountingSource(['abc', 'defg', 'hijkl']);

    const { sample, chunks } = await sampleAhead(source.iterator(), 5);

    expect(Buffer.from(sample).toString()).toBe('abcde');
    expect(source.pulled).toBe(2);
    expect((await readAll(chunks)).toString()).toBe('abcdefghijkl');
    expect(source).toMatchObject({ reads: 1, pulled: 3 });
  });

  it.each([
    ['shorter than the sample', ['ab', 'c'], 64],
    ['ending exactly at the sample size', ['ab', 'cd'], 4],
  ])('samples all of a stream %s, and asks it for nothing past its end', async (_, parts, sampleBytes) => {
    const source = new CountingSource(parts);

    const { sample, chunks } = await sampleAhead(source.iterator(), sampleBytes);

    expect(Buffer.from(sample).toString()).toBe(parts.join(''));
    expect((await readAll(chunks)).toString()).toBe(parts.join(''));
    expect(source).toMatchObject({ reads: 1, nextCalls: parts.length + 1 });
  });

  it('samples nothing of an empty stream', async () => {
    const { sample, chunks } = await sampleAhead(new CountingSource([]).iterator(), 4);

    expect(sample).toHaveLength(0);
    expect(await readAll(chunks)).toHaveLength(0);
  });
});

/** A stream of these chunks, counting the reads started, the chunks handed out and the times it was asked for one. */
class CountingSource {
  reads = 0;
  pulled = 0;
  nextCalls = 0;

  constructor(private readonly parts: readonly string[]) {}

  iterator(): AsyncIterator<Uint8Array> {
    const generator = this.chunks();
    return {
      next: () => {
        this.nextCalls++;
        return generator.next();
      },
    };
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    this.reads++;
    for (const part of this.parts) {
      this.pulled++;
      yield Buffer.from(part);
    }
  }
}
