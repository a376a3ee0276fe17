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
      name: 'messaging-knows-no-domain',
      comment: "libs/messaging is Kafka behind a port: the service's own topics and messages are the application's.",
      severity: 'error',
      from: { path: '^libs/messaging/' },
      to: { path: ['^libs/domain/', '^libs/application/'] },
    },
    {
      name: 'kafkajs-reference-only-in-golden-test',
      comment: 'The unpatched kafkajs is the oracle of the golden-bytes test of the patched produce path, and nothing else.',
      severity: 'error',
      from: { pathNot: ['^libs/messaging/src/kafkajs/produce-'] },
      to: { path: 'node_modules/kafkajs-reference/' },
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
      name: 'application-holds-no-wiring',
      comment:
        'libs/application is use cases and the ports they need. Which adapter stands behind a port, the Nest modules and the bootstrap live in libs/wiring, the composition root.',
      severity: 'error',
      from: { path: '^libs/application/' },
      to: {
        path: [
          '^libs/wiring/',
          '^libs/event-store/src/(postgresql|eventstoredb)/',
          '^libs/messaging/src/kafkajs/',
          '^libs/read-model/src/job-status/postgresql-',
          '^libs/sources/src/s3/',
          'node_modules/(pg|pino|nestjs-pino|prom-client|@nestjs/terminus|@aws-sdk/[^/]+)/',
        ],
      },
    },
    {
      name: 'nest-only-in-driving-adapters',
      comment:
        "In libs/application, NestJS is for the edges of a use case, named by their Nest role (controller, CQRS handler, query, guard, filter, decorator, transport) and the OpenAPI document; the use cases themselves are plain TypeScript.",
      severity: 'error',
      from: { path: '^libs/application/', pathNot: ['[.](controller|handler|query|queries|guard|filter|decorator|transport)[.]ts$', '^libs/application/src/openapi/', '[.]spec[.]ts$'] },
      to: { path: 'node_modules/@nestjs/' },
    },
    {
      name: 'only-the-apps-import-wiring',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/wiring/' },
      to: { path: '^libs/wiring/' },
    },
    {
      name: 'cli-speaks-only-the-api',
      comment: 'The CLI is a client of the public API, as any user script would be: it reaches the service through libs/client only.',
      severity: 'error',
      from: { path: '^tools/cli/' },
      to: { path: '^libs/', pathNot: '^libs/client/' },
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
