// Layer rules, checked in CI (`npm run lint:deps`): the domain stays pure, adapters stay at the
// edges, and libraries never reach into apps.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain holds decide/evolve as plain functions: no framework, driver or Node I/O.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { pathNot: ['^libs/domain/'] },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'kafkajs-only-in-messaging',
      comment: 'kafkajs stays behind the messaging port so a KafkaJS-compatible client can replace it.',
      severity: 'error',
      from: { pathNot: ['^libs/messaging/', '^test/harness/', '^tools/stack/'] },
      to: { path: 'node_modules/kafkajs/' },
    },
    {
      name: 'eventstore-client-only-in-its-adapter',
      severity: 'error',
      from: { pathNot: ['^libs/event-store/src/eventstoredb/'] },
      to: { path: 'node_modules/@eventstore/' },
    },
    {
      name: 'client-stands-alone',
      comment: "libs/client is for other services: it shares the API's types but loads none of the service's code.",
      severity: 'error',
      from: { path: '^libs/client/' },
      to: { pathNot: ['^libs/client/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: ['^dist/'] },
  },
};
