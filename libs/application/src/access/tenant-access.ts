import { ApiKeys, presentedKeyOf } from './api-keys';
import { UnauthorizedError } from './access.errors';

/**
 * The tenant a request acts for, from its `Authorization` value (an HTTP header, or a header of a
 * Kafka command). Without configured keys the service is open and everything acts for the default
 * tenant, as on a developer's machine.
 */
export function tenantFor(keys: ApiKeys, defaultTenant: string, authorization: string | undefined): string {
  if (!keys.enabled) return defaultTenant;
  const key = presentedKeyOf(authorization);
  if (key === undefined) throw new UnauthorizedError('an API key is required: Authorization: Bearer <key> (or Token <key>)');
  const tenant = keys.tenantOf(key);
  if (tenant === undefined) throw new UnauthorizedError('the API key is not valid');
  return tenant;
}
