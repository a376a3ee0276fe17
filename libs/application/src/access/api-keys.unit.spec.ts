import { ApiKeys, parseApiKeyEntries, sha256Of } from './api-keys';
import { tenantFor } from './tenant-access';
import { UnauthorizedError } from './access.errors';

describe('API keys', () => {
  const entryOf = (tenant: string, key: string) => `${tenant}:${sha256Of(key).toString('hex')}`;
  const { entries, problems } = parseApiKeyEntries(`${entryOf('acme', 'acme-key')},\n# a comment\n${entryOf('globex', 'globex-key')}\n`, 'API_KEYS');
  const keys = new ApiKeys(entries);

  it('are read from hashes, never from the keys themselves', () => {
    expect(problems).toEqual([]);
    expect(entries.map((entry) => entry.tenantId)).toEqual(['acme', 'globex']);
  });

  it('name the tenant of a Bearer or a Token key', () => {
    expect(tenantFor(keys, 'default', 'Bearer acme-key')).toBe('acme');
    expect(tenantFor(keys, 'default', 'Token globex-key')).toBe('globex');
  });

  it.each([
    [undefined, 'an API key is required'],
    ['Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'an API key is required'],
    ['Bearer wrong-key', 'the API key is not valid'],
  ])('refuse %s', (authorization, reason) => {
    expect(() => tenantFor(keys, 'default', authorization)).toThrow(UnauthorizedError);
    expect(() => tenantFor(keys, 'default', authorization)).toThrow(reason);
  });

  it('leave the service open, for the default tenant, when none are configured', () => {
    expect(tenantFor(new ApiKeys([]), 'default', undefined)).toBe('default');
  });

  it('report every malformed entry', () => {
    expect(parseApiKeyEntries('acme:not-a-hash,:abc,ok', 'API_KEYS').problems).toEqual([
      'API_KEYS entry 1 must be tenant:sha256-hex-of-the-key',
      'API_KEYS entry 2 must be tenant:sha256-hex-of-the-key',
      'API_KEYS entry 3 must be tenant:sha256-hex-of-the-key',
    ]);
  });
});
