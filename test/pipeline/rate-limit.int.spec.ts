import { createHash } from 'node:crypto';
import { usePipelineSuite } from './support/pipeline-suite';

const keys = ['first-client-key', 'second-client-key'];
const apiKeys = keys.map((key, index) => `tenant-${index}:${createHash('sha256').update(key).digest('hex')}`).join(',');
const perMinute = 5;

describe('the request rate limit, per API key', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 4096, apiKeys, rateLimitPerMinute: perMinute });

  it('answers 429 with Retry-After past the limit, and only to the key that went past it', async () => {
    const [first, second] = keys.map((key) => suite.api.as(`Bearer ${key}`));

    const answers = [];
    for (let request = 0; request <= perMinute; request++) answers.push(await first!.listJobs());

    expect(answers.slice(0, perMinute).map(({ status }) => status)).toEqual(Array.from({ length: perMinute }, () => 200));
    expect(answers[perMinute]).toMatchObject({ status: 429, body: { code: 'TOO_MANY_REQUESTS' }, retryAfter: expect.stringMatching(/^\d+$/) });
    expect((await second!.listJobs()).status).toBe(200);
  });
});
