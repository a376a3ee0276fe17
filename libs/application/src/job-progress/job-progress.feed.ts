import { isFinished } from '@import-jobs/domain';
import { toJobProgress, type JobProgress, type JobViewChange, type JobViewChangeListening, type JobViewReader } from '@import-jobs/read-model';
import { Observable, of, type Subscriber } from 'rxjs';

/** Versions read per query: a stream resumed far behind catches up page by page. */
const pageSize = 500;

/** Someone following a tenant's changes: told of each of the tenant's announcements, and of every resync. */
interface Watcher {
  readonly changed: (change: JobViewChange) => void;
  readonly resync: () => void;
  readonly end: () => void;
}

/**
 * Live progress for the API's streams, driven by the projector's announcements rather than by
 * polling per client: the process holds one LISTEN connection, and each stream reads its job's
 * versions from the change log only when that job was announced. Every version is read, in order,
 * however the projector batched them, so a stream never skips a change.
 */
export class JobProgressFeed {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private listening: JobViewChangeListening | undefined;

  constructor(private readonly views: JobViewReader) {}

  async start(): Promise<void> {
    this.listening = await this.views.listenForChanges({
      onChange: (change) => this.watchers.get(change.tenantId)?.forEach((watcher) => watcher.changed(change)),
      onResync: () => this.everyWatcher().forEach((watcher) => watcher.resync()),
    });
  }

  /** Ends every stream, so that the HTTP server, which waits for open answers, can close. */
  async stop(): Promise<void> {
    this.everyWatcher().forEach((watcher) => watcher.end());
    await this.listening?.close();
  }

  /**
   * Every version of the job after `afterVersion`, in order, then each new one; completes after the
   * terminal one. Undefined when the client has the terminal version already: nothing will follow.
   */
  async followJob(tenantId: string, jobId: string, afterVersion: number): Promise<Observable<JobProgress> | undefined> {
    const view = await this.views.findJob(tenantId, jobId);
    if (view !== undefined && isFinished(view.status)) {
      if (view.revision <= afterVersion) return undefined;
      const [last] = await this.views.readChanges(tenantId, jobId, view.revision - 1, 1);
      // A job projected before the change log existed has no versions there: its final state stands for them.
      if (last === undefined) return of(toJobProgress(view));
    }
    return this.liveJob(tenantId, jobId, afterVersion);
  }

  private liveJob(tenantId: string, jobId: string, afterVersion: number): Observable<JobProgress> {
    return new Observable((subscriber) => {
      const reader = new VersionReader(this.views, tenantId, jobId, afterVersion, subscriber, (progress) => {
        if (isFinished(progress.status)) subscriber.complete();
      });
      const unwatch = this.watch(tenantId, {
        changed: (change) => {
          if (change.jobId === jobId) reader.wake();
        },
        resync: () => reader.wake(),
        end: () => subscriber.complete(),
      });
      reader.wake();
      return () => {
        reader.stop();
        unwatch();
      };
    });
  }

  /**
   * The current version of the tenant's `recent` newest jobs, then every version of any of its jobs
   * that changes while the stream is open (a job the stream has not shown yet: from its first).
   */
  followTenant(tenantId: string, recent: number): Observable<JobProgress> {
    return new Observable((subscriber) => {
      const readers = new Map<string, VersionReader>();
      const reader = (jobId: string, afterVersion = -1): VersionReader => {
        let found = readers.get(jobId);
        if (found === undefined) {
          found = new VersionReader(this.views, tenantId, jobId, afterVersion, subscriber);
          readers.set(jobId, found);
        }
        return found;
      };
      // Announcements heard before the snapshot is sent wait for it, so that a job's versions are
      // never sent before the version the snapshot sends of it.
      let announcedEarly: Set<string> | undefined = new Set();
      const unwatch = this.watch(tenantId, {
        changed: ({ jobId }) => (announcedEarly ? announcedEarly.add(jobId) : reader(jobId).wake()),
        resync: () => readers.forEach((each) => each.wake()),
        end: () => subscriber.complete(),
      });
      this.views.findJobs(tenantId, { limit: recent }).then(
        (views) => {
          if (subscriber.closed) return;
          for (const view of views) {
            const progress = toJobProgress(view);
            subscriber.next(progress);
            reader(view.jobId, progress.version);
          }
          const early = announcedEarly ?? [];
          announcedEarly = undefined;
          early.forEach((jobId) => reader(jobId).wake());
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        readers.forEach((each) => each.stop());
        unwatch();
      };
    });
  }

  private watch(tenantId: string, watcher: Watcher): () => void {
    let forTenant = this.watchers.get(tenantId);
    if (forTenant === undefined) this.watchers.set(tenantId, (forTenant = new Set()));
    forTenant.add(watcher);
    return () => {
      forTenant.delete(watcher);
      if (forTenant.size === 0) this.watchers.delete(tenantId);
    };
  }

  private everyWatcher(): Watcher[] {
    return [...this.watchers.values()].flatMap((forTenant) => [...forTenant]);
  }
}

/**
 * Reads one job's versions after the last one it sent, one query at a time. A wake-up during a
 * read is remembered and causes one more read, so an announcement is never slept through and
 * versions are sent in order, each once.
 */
class VersionReader {
  private reading = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly views: JobViewReader,
    private readonly tenantId: string,
    private readonly jobId: string,
    private afterVersion: number,
    private readonly subscriber: Subscriber<JobProgress>,
    private readonly sent: (progress: JobProgress) => void = () => undefined,
  ) {}

  wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    this.readAll().then(
      () => (this.reading = false),
      (error: unknown) => this.subscriber.error(error),
    );
  }

  stop(): void {
    this.stopped = true;
  }

  private async readAll(): Promise<void> {
    do {
      this.again = false;
      const page = await this.views.readChanges(this.tenantId, this.jobId, this.afterVersion, pageSize);
      for (const progress of page) {
        if (this.stopped || this.subscriber.closed) return;
        this.afterVersion = progress.version;
        this.subscriber.next(progress);
        this.sent(progress);
      }
      if (page.length === pageSize) this.again = true;
    } while (this.again && !this.stopped);
  }
}
