import { isFinished } from '@import-jobs/domain';
import { toJobProgress, type JobProgress, type JobViewChange, type JobViewChangeListening, type JobViewReader } from '@import-jobs/read-model';
import { Observable, of, type Subscriber } from 'rxjs';
import { InFlightPieces, type InFlightProgress } from './in-flight-pieces';

/** Versions read per query: a stream resumed far behind catches up page by page. */
const pageSize = 500;

/**
 * What a stream sends: each committed version of a job, and between them the job's figures with
 * the rows its pieces in hand have read, which no version counts yet.
 */
export type ProgressEvent = { readonly type: 'progress'; readonly data: JobProgress } | { readonly type: 'in-flight'; readonly data: InFlightProgress };

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
 * however the projector batched them, so a stream never skips a change. Between versions, a stream
 * adds what the workers report of the pieces in hand (see `InFlightPieces`).
 */
export class JobProgressFeed {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private listening: JobViewChangeListening | undefined;

  /**
   * `inFlight` holds the figures of the pieces in hand, which a stream adds to its jobs' versions
   * every `inFlightEveryMs` when they changed: about as often as workers report them.
   */
  constructor(
    private readonly views: JobViewReader,
    private readonly inFlight: InFlightPieces = new InFlightPieces(),
    private readonly inFlightEveryMs = 1_000,
  ) {}

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
  async followJob(tenantId: string, jobId: string, afterVersion: number): Promise<Observable<ProgressEvent> | undefined> {
    const view = await this.views.findJob(tenantId, jobId);
    if (view !== undefined && isFinished(view.status)) {
      if (view.revision <= afterVersion) return undefined;
      const [last] = await this.views.readChanges(tenantId, jobId, view.revision - 1, 1);
      // A job projected before the change log existed has no versions there: its final state stands for them.
      if (last === undefined) return of({ type: 'progress', data: toJobProgress(view) });
    }
    // A client resuming at the current version is sent no version, yet the figures on top of it.
    const current = view !== undefined && view.revision <= afterVersion ? toJobProgress(view) : undefined;
    return this.liveJob(tenantId, jobId, afterVersion, current);
  }

  private liveJob(tenantId: string, jobId: string, afterVersion: number, current: JobProgress | undefined): Observable<ProgressEvent> {
    return new Observable((subscriber) => {
      const sender = this.senderTo(subscriber, tenantId);
      if (current !== undefined) sender.follow(current);
      const reader = new VersionReader(this.views, tenantId, jobId, afterVersion, sender, (progress) => {
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
        sender.stop();
        reader.stop();
        unwatch();
      };
    });
  }

  /**
   * The current version of the tenant's `recent` newest jobs, then every version of any of its jobs
   * that changes while the stream is open (a job the stream has not shown yet: from its first).
   */
  followTenant(tenantId: string, recent: number): Observable<ProgressEvent> {
    return new Observable((subscriber) => {
      const sender = this.senderTo(subscriber, tenantId);
      const readers = new Map<string, VersionReader>();
      const reader = (jobId: string, afterVersion = -1): VersionReader => {
        let found = readers.get(jobId);
        if (found === undefined) {
          found = new VersionReader(this.views, tenantId, jobId, afterVersion, sender);
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
            sender.version(progress);
            reader(view.jobId, progress.version);
          }
          const early = announcedEarly ?? [];
          announcedEarly = undefined;
          early.forEach((jobId) => reader(jobId).wake());
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        sender.stop();
        readers.forEach((each) => each.stop());
        unwatch();
      };
    });
  }

  private senderTo(subscriber: Subscriber<ProgressEvent>, tenantId: string): StreamSender {
    return new StreamSender(subscriber, tenantId, this.inFlight, this.inFlightEveryMs);
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

/** A job a stream follows: its last version sent, and the in-flight figures last sent on top of it. */
interface Followed {
  readonly committed: JobProgress;
  inFlightSent?: string;
}

/**
 * One stream's events: each version as its reader reads it, and, on a timer, the in-flight figures
 * of each unfinished job it sent a version of, when they changed since they were last sent.
 */
class StreamSender {
  private readonly followed = new Map<string, Followed>();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly subscriber: Subscriber<ProgressEvent>,
    private readonly tenantId: string,
    private readonly inFlight: InFlightPieces,
    everyMs: number,
  ) {
    this.ticker = setInterval(() => this.sendInFlight(), everyMs);
  }

  get closed(): boolean {
    return this.subscriber.closed;
  }

  version(progress: JobProgress): void {
    this.inFlight.committed(progress);
    this.follow(progress);
    this.subscriber.next({ type: 'progress', data: progress });
  }

  /** `progress` is the version the client has of its job: in-flight figures add to it. */
  follow(progress: JobProgress): void {
    if (isFinished(progress.status)) this.followed.delete(progress.jobId);
    else this.followed.set(progress.jobId, { committed: progress });
  }

  fail(error: unknown): void {
    this.subscriber.error(error);
  }

  stop(): void {
    clearInterval(this.ticker);
  }

  private sendInFlight(): void {
    for (const job of this.followed.values()) {
      const figures = this.inFlight.onTopOf(this.tenantId, job.committed);
      const sent = figures && JSON.stringify(figures);
      if (figures === undefined || sent === job.inFlightSent || this.subscriber.closed) continue;
      job.inFlightSent = sent;
      this.subscriber.next({ type: 'in-flight', data: figures });
    }
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
    private readonly sender: StreamSender,
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
      (error: unknown) => this.sender.fail(error),
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
        if (this.stopped || this.sender.closed) return;
        this.afterVersion = progress.version;
        this.sender.version(progress);
        this.sent(progress);
      }
      if (page.length === pageSize) this.again = true;
    } while (this.again && !this.stopped);
  }
}
