import type { ObjectStore } from '@import-jobs/sources';

/** An object of the job's staging, as listed or about to be written. */
export interface StagedObject {
  readonly key: string;
  readonly size: number;
}

/**
 * `MAX_STAGED_BYTES` for a whole job: what all its gzip sources may hold in staging together.
 * What an earlier run of the planning staged (before a crash, a retry, or a source that changed
 * since) is still stored until the job ends, so it counts too; staging a file again under the
 * same keys replaces those objects, and counts each once.
 */
export class StagingBudget {
  /** The earlier run's objects not replaced yet, by key. */
  private readonly earlier = new Map<string, number>();
  /** Their bytes, by the folder of one staged file (everything up to the key's last `/`). */
  private readonly earlierInFolder = new Map<string, number>();
  private held = 0;

  constructor(
    readonly maxBytes: number,
    alreadyStaged: Iterable<StagedObject>,
  ) {
    for (const { key, size } of alreadyStaged) {
      this.earlier.set(key, size);
      const folder = folderOf(key);
      this.earlierInFolder.set(folder, (this.earlierInFolder.get(folder) ?? 0) + size);
      this.held += size;
    }
  }

  /** The job's staging as it is now: every object under `prefix`, listed page by page. */
  static async listed(objectStore: ObjectStore, bucket: string, prefix: string, maxBytes: number): Promise<StagingBudget> {
    const staged: StagedObject[] = [];
    let page: string | undefined;
    do {
      const listed = await objectStore.list(bucket, prefix, page === undefined ? {} : { page });
      staged.push(...listed.objects);
      page = listed.nextPage;
    } while (page !== undefined);
    return new StagingBudget(maxBytes, staged);
  }

  /**
   * The bytes staging holds for the job's other files, the one staged into `folder` (ending in
   * `/`) aside: its own earlier objects are replaced as it is staged again.
   */
  heldBesides(folder: string): number {
    return this.held - (this.earlierInFolder.get(folder) ?? 0);
  }

  /**
   * Counts an object about to be staged, replacing any earlier one at its key; false, counting
   * nothing, when it would take the job's staging past `maxBytes`.
   */
  take({ key, size }: StagedObject): boolean {
    const replaced = this.earlier.get(key) ?? 0;
    if (this.held - replaced + size > this.maxBytes) return false;
    this.held += size - replaced;
    if (this.earlier.delete(key)) {
      const folder = folderOf(key);
      this.earlierInFolder.set(folder, (this.earlierInFolder.get(folder) ?? 0) - replaced);
    }
    return true;
  }
}

function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}
