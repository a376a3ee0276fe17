import { createHash } from 'node:crypto';
import { usePipelineSuite } from './support/pipeline-suite';

// The spender has two keys, as a tenant has while it rotates one.
const keysOf = { spender: ['spender-key', 'spender-rotated-key'], neighbour: ['neighbour-key'], bystander: ['bystander-key'] };
const apiKeys = Object.entries(keysOf)
  .flatMap(([tenant, keys]) => keys.map((key) => `${tenant}:${createHash('sha256').update(key).digest('hex')}`))
  .join(',');
const perMinute = 5;
const tooManyRequests = { status: 429, body: { type: 'TooManyRequests', code: 'TOO_MANY_REQUESTS' }, retryAfter: expect.stringMatching(/^\d+$/) };

describe('the request rate limit, per tenant', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, apiKeys, rateLimitPerMinute: perMinute });

  it('counts every spelling of a key, and every key of the tenant, in one allowance, and answers 429 with Retry-After past it to that tenant only', async () => {
    const spellings = ['Bearer spender-key', 'bearer spender-key', 'Token spender-key', 'TOKEN   spender-key', 'Bearer spender-rotated-key'];
    expect(spellings).toHaveLength(perMinute);

    const allowed = [];
    for (const authorization of spellings) allowed.push(await suite.api.as(authorization).listJobs());
    expect(allowed.map(({ status }) => status)).toEqual(spellings.map(() => 200));

    for (const authorization of ['Bearer spender-key', 'token spender-key', 'Token spender-rotated-key']) {
      expect(await suite.api.as(authorization).listJobs()).toMatchObject(tooManyRequests);
    }
    expect((await suite.api.as('Bearer neighbour-key').listJobs()).status).toBe(200);
  });

  it('counts requests without a valid key against their address, whatever their headers, and never against a tenant', async () => {
    const invalid = ['Bearer made-up-1', 'Token made-up-2', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'garbage', 'Bearer'];
    expect(invalid).toHaveLength(perMinute);

    const refused = [];
    for (const authorization of invalid) refused.push(await suite.api.as(authorization).listJobs());
    expect(refused.map(({ status, body }) => [status, body.code])).toEqual(invalid.map(() => [401, 'UNAUTHORIZED']));

    // A header never seen before, or none at all, is the same address's next request.
    expect(await suite.api.as('Bearer made-up-6').listJobs()).toMatchObject(tooManyRequests);
    expect(await suite.api.listJobs()).toMatchObject(tooManyRequests);
    // A tenant calling from that same address has its own allowance.
    expect((await suite.api.as('Bearer bystander-key').listJobs()).status).toBe(200);
  });
});
