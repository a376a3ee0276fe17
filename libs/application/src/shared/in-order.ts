/**
 * `work` on each item as the items arrive, at most `concurrency` at once, its results handed out in
 * the items' order: the waits of several overlap, and whoever reads the results sees the order a
 * sequential loop would give. A failure is thrown where its result would have been handed out.
 */
export async function* inOrderConcurrently<Item, Result>(items: AsyncIterable<Item>, concurrency: number, work: (item: Item) => Promise<Result>): AsyncGenerator<Result> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number from 1, not ${concurrency}`);
  const inFlight: Promise<Result>[] = [];
  const started = (item: Item): Promise<Result> => {
    const result = work(item);
    // Seen now, thrown when its turn comes: a later item failing first must not go unhandled.
    result.catch(() => undefined);
    return result;
  };
  for await (const item of items) {
    inFlight.push(started(item));
    if (inFlight.length >= concurrency) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}
