import type { AccessRules, TenantGrants } from '@import-jobs/domain';
import type { ServiceConfig } from '../config/service-config';

/** A tenant the grants file does not name may read and write nothing. */
const nothingGranted: TenantGrants = { sources: [], destinations: [] };

/**
 * The rules a tenant's request is held to. With a grants file, the tenant's grants; without one,
 * the open single-tenant mode, where `ALLOWED_BUCKETS` (when set) is everyone's source grant.
 * The service's buckets and topics are reserved either way.
 */
export function accessRulesFor(config: ServiceConfig, tenantId: string): AccessRules {
  const reserved = { topicPrefix: config.kafka.topicPrefix, serviceBuckets: [config.reportsBucket, config.uploadsBucket] };
  if (config.tenantGrants) return { reserved, grants: config.tenantGrants.get(tenantId) ?? nothingGranted };
  if (config.allowedBuckets.length === 0) return { reserved };
  return { reserved, grants: { sources: config.allowedBuckets.map((bucket) => ({ bucket, prefix: '' })), destinations: ['*'] } };
}
