import type { ImportDefinition } from '../import-job/definition';
import { AccessDeniedError, authorizeDefinition, isReservedTopic, topicPatternMatches, type AccessRules } from './grants';

const reserved = { topicPrefix: 'import-jobs', serviceBuckets: ['import-jobs-uploads', 'import-jobs-reports'] };
const acme: AccessRules = {
  reserved,
  grants: { sources: [{ bucket: 'lake', prefix: 'acme/' }, { bucket: 'acme-data', prefix: '' }], destinations: ['acme.*', 'crm-customers'] },
};

function definition(sources: ImportDefinition['sources'], destinationTopic = 'acme.customers'): ImportDefinition {
  return { jobType: 'RECORDS', format: 'CSV', sources, destinationTopic, metadata: {}, failurePolicy: { maxFailedRowRatio: 1 } };
}

function refusalOf(work: () => void): { code: string; field: string } | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (!(error instanceof AccessDeniedError)) throw error;
    return { code: error.code, field: error.field };
  }
}

describe('access to sources and destinations', () => {
  it.each([
    ['an object under a granted prefix', 's3://lake/acme/2026/customers.csv', 'object'],
    ['a prefix inside a granted prefix', 's3://lake/acme/2026/', 'prefix'],
    ['a whole granted bucket', 's3://acme-data/', 'prefix'],
  ] as const)('lets a tenant read %s', (_, url, type) => {
    expect(refusalOf(() => authorizeDefinition(definition([{ url, type }]), acme))).toBeUndefined();
  });

  it.each([
    ["another tenant's prefix", 's3://lake/globex/customers.csv', 'object'],
    ['a prefix wider than the grant', 's3://lake/', 'prefix'],
    ['a prefix that only begins like the grant', 's3://lake/acme', 'prefix'],
    ['a bucket never granted', 's3://other/customers.csv', 'object'],
  ] as const)('refuses %s', (_, url, type) => {
    expect(refusalOf(() => authorizeDefinition(definition([{ url, type }]), acme))).toEqual({ code: 'SOURCE_NOT_GRANTED', field: 'sources[0].url' });
  });

  it("refuses the service's buckets to everyone, even in the open mode, unless the service put the source there", () => {
    const upload = definition([{ url: 's3://import-jobs-uploads/acme/1/customers.csv', type: 'object' }]);
    expect(refusalOf(() => authorizeDefinition(upload, { reserved }))).toEqual({ code: 'RESERVED_BUCKET', field: 'sources[0].url' });
    expect(refusalOf(() => authorizeDefinition(definition([{ url: 's3://import-jobs-reports/', type: 'prefix' }]), { reserved }))).toMatchObject({ code: 'RESERVED_BUCKET' });
    expect(refusalOf(() => authorizeDefinition(upload, { reserved }, 1))).toBeUndefined();
  });

  it('lets a tenant write only the topics it was granted, by name or pattern', () => {
    const source = [{ url: 's3://lake/acme/a.csv', type: 'object' as const }];
    expect(refusalOf(() => authorizeDefinition(definition(source, 'crm-customers'), acme))).toBeUndefined();
    expect(refusalOf(() => authorizeDefinition(definition(source, 'globex.customers'), acme))).toEqual({ code: 'DESTINATION_NOT_GRANTED', field: 'destinationTopic' });
    expect(refusalOf(() => authorizeDefinition(definition([{ ...source[0]!, destination: 'crm-customers-2' }]), acme))).toEqual({
      code: 'DESTINATION_NOT_GRANTED',
      field: 'sources[0].destination',
    });
  });

  it.each([
    ['import-jobs.job-events', true],
    ['import-jobs.anything-new', true],
    ['import-jobs_pieces', true],
    ['import_jobs.pieces', false],
    ['import-jobs', true],
    ['__consumer_offsets', true],
    ['__transaction_state', true],
    ['import-jobs-customers', false],
    ['customers', false],
  ])("counts %s as reserved: %s", (topic, expected) => {
    expect(isReservedTopic(topic, reserved)).toBe(expected);
  });

  it("refuses a reserved topic even to a tenant granted every topic", () => {
    const everything: AccessRules = { reserved, grants: { sources: [{ bucket: 'lake', prefix: '' }], destinations: ['*'] } };
    expect(refusalOf(() => authorizeDefinition(definition([{ url: 's3://lake/a.csv', type: 'object' }], 'import-jobs.commands'), everything))).toMatchObject({
      code: 'RESERVED_TOPIC',
    });
  });

  it.each([
    ['acme.*', 'acme.orders', true],
    ['acme.*', 'acme.', true],
    ['acme.*', 'acmeXorders', false],
    ['crm-*-v1', 'crm-orders-v1', true],
    ['crm-*-v1', 'crm-orders-v2', false],
  ])('matches the pattern %s against %s: %s', (pattern, topic, expected) => {
    expect(topicPatternMatches(pattern, topic)).toBe(expected);
  });
});
