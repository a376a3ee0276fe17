import { BatchWriter } from './batch-writer';

describe('batch writer', () => {
  it('writes a burst of items as one batch once the burst is over', async () => {
    const { writer, batches, written } = recording(10);

    for (const item of [1, 2, 3]) await writer.add(item);

    await written(1);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('writes a full batch before add returns, then the rest', async () => {
    const { writer, batches, written } = recording(2);

    await writer.add(1);
    await writer.add(2);
    expect(batches).toEqual([[1, 2]]);
    await writer.add(3);

    await written(2);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('writes batches one after another, in order', async () => {
    const order: string[] = [];
    const writer = new BatchWriter<number>(async (batch) => {
      order.push(`start ${batch.join(',')}`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`end ${batch.join(',')}`);
    }, 2);

    await Promise.all([writer.add(1), writer.add(2), writer.add(3), writer.add(4)]);

    expect(order).toEqual(['start 1,2', 'end 1,2', 'start 3,4', 'end 3,4']);
  });

  it('reports a failed write, then writes nothing more and refuses items', async () => {
    const failure = new Error('the database went away');
    const batches: number[][] = [];
    const writer = new BatchWriter<number>(async (batch) => {
      batches.push([...batch]);
      throw failure;
    }, 10);

    await writer.add(1);
    await expect(writer.failed).rejects.toBe(failure);
    await expect(writer.add(2)).rejects.toBe(failure);
    await expect(writer.flush()).rejects.toBe(failure);
    expect(batches).toEqual([[1]]);
  });

  it('drops what is pending when abandoned', async () => {
    const { writer, batches } = recording(10);

    await writer.add(1);
    await writer.abandon();
    await writer.add(2);
    await writer.flush();

    expect(batches).toEqual([]);
  });
});

function recording(maxBatchSize: number) {
  const batches: number[][] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const writer = new BatchWriter<number>(async (batch) => {
    batches.push([...batch]);
    for (const waiter of waiting) if (batches.length >= waiter.count) waiter.resolve();
  }, maxBatchSize);
  const written = (count: number): Promise<void> =>
    batches.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }));
  return { writer, batches, written };
}
