import type { Event } from '../decider';

/**
 * A limit on how many jobs may run at once within a scope: a tenant's running jobs, or a
 * destination topic that a job asked to use alone. Each scope is one stream whose every event
 * carries the whole list of holders after it, so that only the last event needs reading, and an
 * append at the expected revision makes two racing requests unable to both take the last place.
 */
export interface AdmissionHolder {
  readonly jobId: string;
  readonly admittedAt: string;
}

export type JobAdmitted = Event<
  'JobAdmitted.v1',
  { readonly scope: string; readonly jobId: string; readonly holders: readonly AdmissionHolder[]; readonly occurredAt: string }
>;
/** A place given back by a request that was refused after its place was taken. */
export type JobAdmissionReleased = Event<
  'JobAdmissionReleased.v1',
  { readonly scope: string; readonly jobId: string; readonly holders: readonly AdmissionHolder[]; readonly occurredAt: string }
>;
export type AdmissionEvent = JobAdmitted | JobAdmissionReleased;

/**
 * What the caller found of each holder's job: still running, finished, or not in the store (its
 * request is in flight, or died between taking its place and creating its job).
 */
export type HolderJob = 'running' | 'finished' | 'not-created';

export interface AdmissionRequest {
  readonly scope: string;
  readonly limit: number;
  readonly jobId: string;
  readonly now: string;
  readonly holders: readonly AdmissionHolder[];
  readonly holderJobs: Readonly<Record<string, HolderJob>>;
  /** How long a place taken by a job that was never created is kept, for its request to finish. */
  readonly creationGraceMs: number;
}

export type AdmissionDecision =
  | { readonly admitted: true; readonly event: JobAdmitted | undefined }
  | { readonly admitted: false; readonly runningJobIds: readonly string[] };

export function admissionStreamId(scope: string): string {
  return `admission-${scope}`;
}

export function decideAdmission(request: AdmissionRequest): AdmissionDecision {
  const { scope, limit, jobId, now, holders, holderJobs, creationGraceMs } = request;
  const stillHolding = holders.filter((holder) => {
    const job = holderJobs[holder.jobId] ?? 'not-created';
    return job === 'running' || (job === 'not-created' && Date.parse(now) - Date.parse(holder.admittedAt) < creationGraceMs);
  });
  if (stillHolding.some((holder) => holder.jobId === jobId)) return { admitted: true, event: undefined };
  if (stillHolding.length >= limit) return { admitted: false, runningJobIds: stillHolding.map((holder) => holder.jobId) };
  return {
    admitted: true,
    event: { type: 'JobAdmitted.v1', data: { scope, jobId, holders: [...stillHolding, { jobId, admittedAt: now }], occurredAt: now } },
  };
}

export function releaseAdmission(scope: string, holders: readonly AdmissionHolder[], jobId: string, now: string): JobAdmissionReleased | undefined {
  if (!holders.some((holder) => holder.jobId === jobId)) return undefined;
  return {
    type: 'JobAdmissionReleased.v1',
    data: { scope, jobId, holders: holders.filter((holder) => holder.jobId !== jobId), occurredAt: now },
  };
}

export function holdersAfter(event: { readonly type: string; readonly data: unknown } | undefined): readonly AdmissionHolder[] {
  if (event?.type !== 'JobAdmitted.v1' && event?.type !== 'JobAdmissionReleased.v1') return [];
  return (event.data as AdmissionEvent['data']).holders;
}
