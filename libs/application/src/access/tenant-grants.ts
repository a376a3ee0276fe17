import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { parseS3Url, type TenantGrants } from '@import-jobs/domain';

/**
 * `TENANT_GRANTS_FILE`, in YAML (JSON is YAML too):
 *
 *     tenants:
 *       acme:
 *         sources: ["s3://acme-data/", "s3://shared-lake/acme/"]
 *         destinations: ["acme.*", "crm-customers"]
 *         maxRunningJobs: 5
 *
 * A source grant is a bucket (`s3://bucket/`) or the keys under a prefix of it; a destination is a
 * topic name, where `*` stands for any run of topic-name characters.
 */
const grantsFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tenants'],
  properties: {
    tenants: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9._-]{1,64}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          sources: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^s3://', maxLength: 2048 } },
          destinations: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[a-zA-Z0-9._*-]{1,249}$' } },
          maxRunningJobs: { type: 'integer', minimum: 0, maximum: 100000 },
        },
      },
    },
  },
} as const;

const validGrantsFile = new Ajv({ allErrors: true }).compile(grantsFileSchema);

interface GrantsFile {
  readonly tenants: Readonly<Record<string, { sources?: string[]; destinations?: string[]; maxRunningJobs?: number }>>;
}

/** Every tenant's grants; problems are returned, not thrown, so that configuration reports them all at once. */
export function parseTenantGrants(text: string, source: string): { grants: Map<string, TenantGrants>; problems: string[] } {
  const grants = new Map<string, TenantGrants>();
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    return { grants, problems: [`${source} is not YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  if (!validGrantsFile(parsed)) {
    return { grants, problems: (validGrantsFile.errors ?? []).map((error) => `${source}: ${error.instancePath || '(file)'} ${error.message ?? 'is invalid'}`) };
  }
  const problems: string[] = [];
  for (const [tenantId, tenant] of Object.entries((parsed as GrantsFile).tenants)) {
    const sources = (tenant.sources ?? []).flatMap((url) => {
      const location = parseS3Url(url);
      if (location === undefined) problems.push(`${source}: tenants.${tenantId}.sources has "${url}", not an s3://bucket/ or s3://bucket/prefix`);
      return location === undefined ? [] : [{ bucket: location.bucket, prefix: location.key }];
    });
    grants.set(tenantId, {
      sources,
      destinations: tenant.destinations ?? [],
      ...(tenant.maxRunningJobs !== undefined && { maxRunningJobs: tenant.maxRunningJobs }),
    });
  }
  return { grants, problems };
}
