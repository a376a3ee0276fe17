import { inOrderConcurrently } from './in-order';

async function* itemsOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** A gate per item, opened by the test, so that the order in which work ends is the test's choice. */
function gates(count: number) {
  const opened = Array.from({ length: count }, () => {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((settle, fail) => {
      resolve = settle;
      reject = fail;
    });
    return { promise, resolve, reject };
  });
  return { open: (index: number) => opened[index]!.resolve(), fail: (index: number) => opened[index]!.reject(new Error(`item ${index} failed`)), wait: (index: number) => opened[index]!.promise };
}

describe('inOrderConcurrently', () => {
  it('hands out results in the order of the items, whatever order the work ends in', async () => {
    const gate = gates(5);
    const running: number[] = [];
    const results = inOrderConcurrently(itemsOf([0, 1, 2, 3, 4]), 3, async (item) => {
      running.push(item);
      await gate.wait(item);
      return item * 10;
    });
    const first = results.next();
    // Three started, none more, while the first is not done.
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toEqual([0, 1, 2]);
    gate.open(2);
    gate.open(1);
    gate.open(0);
    expect(await first).toEqual({ value: 0, done: false });
    gate.open(4);
    gate.open(3);
    const rest: number[] = [];
    for await (const result of results) rest.push(result);
    expect(rest).toEqual([10, 20, 30, 40]);
  });

  it("throws a failure at its item's turn, and a later item failing first is no unhandled rejection", async () => {
    const gate = gates(3);
    const results = inOrderConcurrently(itemsOf([0, 1, 2]), 3, async (item) => {
      await gate.wait(item);
      return item;
    });
    const first = results.next();
    gate.fail(2);
    await new Promise((resolve) => setImmediate(resolve));
    gate.open(0);
    gate.open(1);
    expect(await first).toEqual({ value: 0, done: false });
    expect(await results.next()).toEqual({ value: 1, done: false });
    await expect(results.next()).rejects.toThrow('item 2 failed');
  });

  it('refuses a concurrency below one', async () => {
    await expect(inOrderConcurrently(itemsOf([1]), 0, async (item) => item).next()).rejects.toThrow(RangeError);
  });
});
