import { InMemoryObjectStore } from '@import-jobs/sources/testing/in-memory-object-store';
import { chunksOf } from '@import-jobs/sources/testing/byte-streams';
import { StagingBudget } from './staging-budget';

describe('StagingBudget', () => {
  it("bounds the job's files together, not each one", () => {
    const budget = new StagingBudget(100, []);

    expect(budget.take({ key: 'job/staging/a/0', size: 60 })).toBe(true);
    expect(budget.heldBesides('job/staging/b/')).toBe(60);
    expect(budget.take({ key: 'job/staging/b/0', size: 41 })).toBe(false);
    expect(budget.take({ key: 'job/staging/b/0', size: 40 })).toBe(true);
    expect(budget.take({ key: 'job/staging/c/0', size: 1 })).toBe(false);
  });

  it('counts what an earlier run staged for another file, or another version of this one', () => {
    const budget = new StagingBudget(100, [{ key: 'job/staging/old-version/0', size: 50 }]);

    expect(budget.heldBesides('job/staging/new-version/')).toBe(50);
    expect(budget.take({ key: 'job/staging/new-version/0', size: 51 })).toBe(false);
    expect(budget.take({ key: 'job/staging/new-version/0', size: 50 })).toBe(true);
  });

  it('counts once a file staged again under the keys an earlier run used', () => {
    const budget = new StagingBudget(100, [
      { key: 'job/staging/a/0', size: 60 },
      { key: 'job/staging/a/60', size: 30 },
    ]);

    expect(budget.heldBesides('job/staging/a/')).toBe(0);
    expect(budget.take({ key: 'job/staging/a/0', size: 60 })).toBe(true);
    expect(budget.take({ key: 'job/staging/a/60', size: 30 })).toBe(true);
    expect(budget.heldBesides('job/staging/b/')).toBe(90);
    expect(budget.take({ key: 'job/staging/b/0', size: 11 })).toBe(false);
    expect(budget.take({ key: 'job/staging/b/0', size: 10 })).toBe(true);
  });

  it('still counts an earlier object of the same file that staging it again does not replace', () => {
    // Cut at other offsets (the piece size changed between the runs): the earlier object stays.
    const budget = new StagingBudget(100, [{ key: 'job/staging/a/0', size: 60 }]);

    expect(budget.take({ key: 'job/staging/a/5', size: 50 })).toBe(false);
    expect(budget.take({ key: 'job/staging/a/0', size: 50 })).toBe(true);
    expect(budget.take({ key: 'job/staging/a/50', size: 50 })).toBe(true);
    expect(budget.take({ key: 'job/staging/b/0', size: 1 })).toBe(false);
  });

  it("lists every page of the job's staging, and nothing outside it", async () => {
    const store = new InMemoryObjectStore();
    store.createBucket('reports');
    const staged = Array.from({ length: 1_001 }, (_, index) => `job/staging/a/${index}`);
    for (const key of [...staged, 'other-job/staging/a/0', 'job/failure-report.csv']) await store.write({ bucket: 'reports', key }, chunksOf(Buffer.from('12')));

    const budget = await StagingBudget.listed(store, 'reports', 'job/staging/', 10_000);

    expect(budget.heldBesides('job/staging/b/')).toBe(2 * 1_001);
    expect(budget.heldBesides('job/staging/a/')).toBe(0);
  });
});
