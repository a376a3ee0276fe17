import { decideAdmission, holdersAfter, releaseAdmission, type AdmissionHolder, type AdmissionRequest } from './admission';

const now = '2026-01-01T00:10:00.000Z';
const holder = (jobId: string, admittedAt = '2026-01-01T00:00:00.000Z'): AdmissionHolder => ({ jobId, admittedAt });

function request(overrides: Partial<AdmissionRequest>): AdmissionRequest {
  return { scope: 'tenant-a', limit: 2, jobId: 'new', now, holders: [], holderJobs: {}, creationGraceMs: 30_000, ...overrides };
}

describe('admission to a limited scope', () => {
  it('admits below the limit, recording every holder after it', () => {
    const decision = decideAdmission(request({ holders: [holder('a')], holderJobs: { a: 'running' } }));
    expect(decision).toEqual({
      admitted: true,
      event: { type: 'JobAdmitted.v1', data: { scope: 'tenant-a', jobId: 'new', holders: [holder('a'), holder('new', now)], occurredAt: now } },
    });
  });

  it('refuses at the limit, naming the running jobs', () => {
    const decision = decideAdmission(request({ holders: [holder('a'), holder('b')], holderJobs: { a: 'running', b: 'running' } }));
    expect(decision).toEqual({ admitted: false, runningJobIds: ['a', 'b'] });
  });

  it('frees the places of finished jobs and of jobs never created after the grace period', () => {
    const holders = [holder('finished'), holder('abandoned'), holder('in-flight', '2026-01-01T00:09:50.000Z')];
    const decision = decideAdmission(request({ holders, holderJobs: { finished: 'finished' } }));
    expect(decision).toMatchObject({ admitted: true, event: { data: { holders: [holders[2], holder('new', now)] } } });
  });

  it('admits a job that already holds a place without a new event', () => {
    expect(decideAdmission(request({ limit: 1, jobId: 'a', holders: [holder('a')], holderJobs: { a: 'running' } }))).toEqual({ admitted: true, event: undefined });
  });

  it('gives back a place, and reads the holders from the last event', () => {
    const released = releaseAdmission('tenant-a', [holder('a'), holder('b')], 'a', now);
    expect(holdersAfter(released)).toEqual([holder('b')]);
    expect(releaseAdmission('tenant-a', [holder('b')], 'a', now)).toBeUndefined();
    expect(holdersAfter(undefined)).toEqual([]);
  });
});
