import { DomainError } from '../errors';
import { parseS3Url, type ImportDefinition, type ImportSource } from '../import-job/definition';

/** A bucket, or the keys under one prefix of it, that a tenant's jobs may read. */
export interface SourceGrant {
  readonly bucket: string;
  /** Keys that start with it; '' grants the whole bucket. */
  readonly prefix: string;
}

/**
 * What one tenant may touch, as configuration grants it: Pinpoint's `RoleArn` in the service's
 * own terms. A job reads with these grants, not with everything the service's credentials reach.
 */
export interface TenantGrants {
  readonly sources: readonly SourceGrant[];
  /** Topic names, where `*` stands for any run of topic-name characters (`acme.*`). */
  readonly destinations: readonly string[];
  /** Jobs this tenant may run at once, in place of the service-wide quota. */
  readonly maxRunningJobs?: number;
}

/**
 * What no tenant may ever touch, whatever it is granted: the service's own topics (its prefix)
 * and Kafka's internal ones, and the service's own buckets, which hold every tenant's uploads and
 * failure lists.
 */
export interface ReservedLocations {
  readonly topicPrefix: string;
  readonly serviceBuckets: readonly string[];
}

export type AccessDeniedCode = 'SOURCE_NOT_GRANTED' | 'DESTINATION_NOT_GRANTED' | 'RESERVED_BUCKET' | 'RESERVED_TOPIC';

/** The request names a source or a destination its tenant may not use: a 403, or a rejection. */
export class AccessDeniedError extends DomainError {
  constructor(
    readonly code: AccessDeniedCode,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface AccessRules {
  readonly reserved: ReservedLocations;
  /** The tenant's grants; undefined in the open single-tenant mode, where any bucket and topic not reserved is allowed. */
  readonly grants?: TenantGrants;
}

/**
 * Kafka refuses a topic whose name differs from an existing one only by `.` against `_` (their
 * metric names collide), so a reserved name is matched in that folded form: a tenant's
 * `import-jobs_pieces` would take the name the service's `import-jobs.pieces` needs.
 */
function foldedTopic(name: string): string {
  return name.replace(/\./g, '_');
}

export function isReservedTopic(topic: string, { topicPrefix }: ReservedLocations): boolean {
  const folded = foldedTopic(topic);
  const prefix = foldedTopic(topicPrefix);
  return topic.startsWith('__') || folded === prefix || folded.startsWith(`${prefix}_`);
}

const topicCharacters = '[a-zA-Z0-9._-]*';

/** Whether a granted name or pattern (`*` as any run of topic characters) covers `topic`. */
export function topicPatternMatches(pattern: string, topic: string): boolean {
  const source = pattern
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join(topicCharacters);
  return new RegExp(`^${source}$`).test(topic);
}

function sourceGranted(source: ImportSource, grants: TenantGrants): boolean {
  const location = parseS3Url(source.url);
  if (!location) return false;
  return grants.sources.some((grant) => grant.bucket === location.bucket && location.key.startsWith(grant.prefix));
}

/** Every topic a job writes to: its own destination and each source's. */
export function destinationsOf(definition: Pick<ImportDefinition, 'destinationTopic' | 'sources'>): string[] {
  return [...new Set([definition.destinationTopic, ...definition.sources.flatMap((source) => (source.destination === undefined ? [] : [source.destination]))])];
}

/**
 * Decides whether a tenant may run a job: every source it names is granted and outside the
 * service's buckets, and every topic it writes is granted and not reserved. `trustedSources`
 * counts how many of the first sources the service itself put there (an upload of the tenant's
 * own, reached by its upload id): those may lie in the service's uploads bucket, and nowhere
 * else may any source.
 */
export function authorizeDefinition(definition: ImportDefinition, rules: AccessRules, trustedSources = 0): void {
  definition.sources.forEach((source, index) => {
    if (index < trustedSources) return;
    const field = `sources[${index}].url`;
    const bucket = parseS3Url(source.url)?.bucket;
    if (bucket !== undefined && rules.reserved.serviceBuckets.includes(bucket)) {
      throw new AccessDeniedError('RESERVED_BUCKET', field, `bucket "${bucket}" belongs to the service; import an upload by its uploadId`);
    }
    if (rules.grants && !sourceGranted(source, rules.grants)) {
      throw new AccessDeniedError('SOURCE_NOT_GRANTED', field, `"${source.url}" is not a location this tenant may read`);
    }
  });
  for (const topic of destinationsOf(definition)) {
    const field = topic === definition.destinationTopic ? 'destinationTopic' : `sources[${definition.sources.findIndex((source) => source.destination === topic)}].destination`;
    if (isReservedTopic(topic, rules.reserved)) {
      throw new AccessDeniedError('RESERVED_TOPIC', field, `topic "${topic}" belongs to the service or to Kafka and is never a destination`);
    }
    if (rules.grants && !rules.grants.destinations.some((pattern) => topicPatternMatches(pattern, topic))) {
      throw new AccessDeniedError('DESTINATION_NOT_GRANTED', field, `topic "${topic}" is not one this tenant may write`);
    }
  }
}
