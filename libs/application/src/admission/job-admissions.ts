import { randomUUID } from 'node:crypto';
import {
  admissionStreamId,
  decideAdmission,
  holdersAfter,
  isFinished,
  releaseAdmission,
  type AdmissionEvent,
  type HolderJob,
  type ImportDefinition,
  type TenantGrants,
} from '@import-jobs/domain';
import { EventIdConflictError, WrongExpectedRevisionError, type EventStore, type JsonObject } from '@import-jobs/event-store';
import { ServiceQuotaExceededError } from '../access/access.errors';
import { CommandContentionError } from '../event-sourcing/stream-commands';
import type { ImportJobStreams } from '../import-job/import-job-streams';
import { DestinationBusyError } from '../request-import/request-import.errors';

export interface AdmissionLimits {
  /** 0: no quota. */
  readonly maxRunningJobsPerTenant: number;
  readonly quotaRetryAfterSeconds: number;
  /** Tenants' own quotas (`maxRunningJobs` in their grants), in place of `maxRunningJobsPerTenant`. */
  readonly tenantGrants?: ReadonlyMap<string, TenantGrants>;
}

/** A place a job that was never created keeps, so that its own request has time to create it. */
const creationGraceMs = 30_000;
const maxAttempts = 10;

interface Scope {
  readonly name: string;
  readonly limit: number;
  readonly refusal: (runningJobIds: readonly string[]) => Error;
}

/**
 * The limits a new job must fit in before it is created: the tenant's running-jobs quota, and the
 * destinations it asked to use alone. Each is guarded by the event store itself (an append at the
 * expected revision), so two racing requests cannot both take the last place, and a place frees
 * itself when its job finishes: whether a holder still runs is read from its own stream.
 */
export class JobAdmissions {
  constructor(
    private readonly store: EventStore,
    private readonly jobs: ImportJobStreams,
    private readonly limits: AdmissionLimits,
  ) {}

  /**
   * Takes every place the job needs, or none: a refusal gives back what was taken before it.
   *
   * `release` gives back, for a request that failed after its admission, the places this call took,
   * and only while the job does not exist. Two requests with one client token are admitted for the
   * same job id: the second finds the places held for it and takes none, and whichever of them
   * fails (the other created the job) must not free the places the created job now holds, which
   * would let the tenant run past its quota.
   */
  async admit(jobId: string, tenantId: string, definition: ImportDefinition): Promise<{ release: () => Promise<void> }> {
    const taken: string[] = [];
    // Best effort, and when in doubt the place is kept: the refusal being answered matters more,
    // and a place whose job never gets created frees itself after the grace period anyway.
    const release = async () => {
      if (taken.length === 0 || (await this.jobExists(jobId).catch(() => true))) return;
      await Promise.all(taken.map((scope) => this.release(scope, jobId).catch(() => undefined)));
    };
    try {
      for (const scope of this.scopesOf(tenantId, definition)) {
        if (await this.take(scope, jobId, tenantId)) taken.push(scope.name);
      }
    } catch (error) {
      await release();
      throw error;
    }
    return { release };
  }

  private scopesOf(tenantId: string, definition: ImportDefinition): Scope[] {
    const scopes: Scope[] = [];
    if (definition.exclusiveDestination === true) {
      const destinations = new Set([definition.destinationTopic, ...definition.sources.flatMap((source) => source.destination ?? [])]);
      for (const topic of destinations) {
        scopes.push({ name: `destination-${topic}`, limit: 1, refusal: ([holder]) => new DestinationBusyError(topic, holder) });
      }
    }
    const { quotaRetryAfterSeconds } = this.limits;
    const quota = this.limits.tenantGrants?.get(tenantId)?.maxRunningJobs ?? this.limits.maxRunningJobsPerTenant;
    if (quota > 0) {
      scopes.push({ name: `tenant-${tenantId}`, limit: quota, refusal: () => new ServiceQuotaExceededError(quota, quotaRetryAfterSeconds) });
    }
    return scopes;
  }

  /** True when this call took the place; false when the job already held it. */
  private async take(scope: Scope, jobId: string, tenantId: string): Promise<boolean> {
    const streamId = admissionStreamId(scope.name);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const last = await this.store.readLastEvent(streamId);
      const holders = holdersAfter(last);
      const holderJobs = await this.holderJobs(holders.map((holder) => holder.jobId));
      const decision = decideAdmission({
        scope: scope.name,
        limit: scope.limit,
        jobId,
        now: new Date().toISOString(),
        holders,
        holderJobs: Object.fromEntries([...holderJobs].map(([id, { job }]) => [id, job])),
        creationGraceMs,
      });
      if (!decision.admitted) {
        // Another tenant's job id is not this tenant's to know.
        throw scope.refusal(decision.runningJobIds.map((id) => (holderJobs.get(id)?.tenantId === tenantId ? id : undefined)).filter((id) => id !== undefined));
      }
      if (decision.event === undefined) return false;
      if (await this.append(streamId, decision.event, last?.streamRevision)) return true;
    }
    throw new CommandContentionError(streamId, maxAttempts);
  }

  private async release(scope: string, jobId: string): Promise<void> {
    const streamId = admissionStreamId(scope);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const last = await this.store.readLastEvent(streamId);
      const released = releaseAdmission(scope, holdersAfter(last), jobId, new Date().toISOString());
      if (released === undefined || (await this.append(streamId, released, last?.streamRevision))) return;
    }
  }

  /** False when another request changed the scope first: decide again on what it wrote. */
  private async append(streamId: string, event: AdmissionEvent, revision: bigint | undefined): Promise<boolean> {
    try {
      await this.store.appendToStream(
        streamId,
        // A fresh id: two racing requests must conflict on the revision, not pass as one repeated append.
        [{ id: randomUUID(), type: event.type, data: event.data as unknown as JsonObject }],
        { expectedRevision: revision ?? 'no_stream' },
      );
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError || error instanceof EventIdConflictError) return false;
      throw error;
    }
  }

  private async jobExists(jobId: string): Promise<boolean> {
    return (await this.jobs.load(jobId)).job.status !== 'NotStarted';
  }

  private async holderJobs(jobIds: readonly string[]): Promise<Map<string, { job: HolderJob; tenantId?: string }>> {
    const entries = await Promise.all(
      jobIds.map(async (id) => {
        const { job } = await this.jobs.load(id);
        const state: { job: HolderJob; tenantId?: string } =
          job.status === 'NotStarted' ? { job: 'not-created' } : { job: isFinished(job.status) ? 'finished' : 'running', tenantId: job.tenantId };
        return [id, state] as const;
      }),
    );
    return new Map(entries);
  }
}
