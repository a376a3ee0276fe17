import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadServiceConfig, serviceSettings } from '@import-jobs/application/config/service-config';
import { appNodeFlags } from '../../tools/resilience/app-process';

interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly environment?: Record<string, string | number>;
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly depends_on?: Record<string, { readonly condition: string }>;
}

const root = join(__dirname, '../..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const apps = { api: 'import-api', worker: 'import-worker', projector: 'import-projector' } as const;
const known = new Set<string>([...serviceSettings.required, ...serviceSettings.optional]);

/** A compose environment as the app's process.env sees it: every value a string. */
function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value)]));
}

/** `host:container` of a published port. */
function published(port: string): { host: number; container: number } {
  const [host, container] = port.split(':').map(Number);
  return { host: host!, container: container! };
}

describe('docker-compose.yml (never run here: there is no Docker engine)', () => {
  it('runs Kafka, EventStoreDB, PostgreSQL, MinIO with its bucket, and the three apps', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'eventstore', 'kafka', 'minio', 'minio-init', 'postgres', 'projector', 'worker']);
    expect(services.kafka!.image).toMatch(/^apache\/kafka:3\.9\./);
    expect(services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  describe.each(Object.entries(apps))('the %s app', (name, app) => {
    const service = services[name]!;
    const env = environmentOf(service);

    it('is built from the Dockerfile and starts its own entry point', () => {
      expect(service.build).toBe('.');
      expect(service.command).toEqual([`dist/apps/${app}/main.js`]);
      const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as { projects: Record<string, { entryFile: string }> };
      expect(nestCli.projects[app]?.entryFile).toBe('main');
    });

    it('is given only settings the service knows, every required one, each valid', () => {
      expect(Object.keys(env).filter((setting) => !known.has(setting))).toEqual([]);
      expect(serviceSettings.required.filter((setting) => !(setting in env))).toEqual([]);
      expect(() => loadServiceConfig(env)).not.toThrow();
    });

    it('listens on all interfaces, on the port it publishes and probes', () => {
      const config = loadServiceConfig(env);
      expect(config.http.host).toBe('0.0.0.0');
      expect(service.ports!.map((port) => published(port).container)).toEqual([config.http.port]);
      expect(service.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${config.http.port}/health/ready`);
    });

    it('reaches the other services by their names and credentials', () => {
      const config = loadServiceConfig(env);
      const [kafkaHost, kafkaPort] = config.kafka.brokers[0]!.split(':');
      expect(String(services[kafkaHost!]!.environment!.KAFKA_LISTENERS)).toContain(`PLAINTEXT://:${kafkaPort}`);
      const database = new URL(config.databaseUrl);
      const postgres = services[database.hostname]!.environment!;
      expect([database.username, database.password, database.pathname.slice(1)]).toEqual([postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, postgres.POSTGRES_DB]);
      expect(config.eventStore).toEqual({ kind: 'eventstoredb', url: expect.stringMatching(/^esdb:\/\/eventstore:2113\b/) });
      const minio = services[new URL(config.s3.endpoint!).hostname]!.environment!;
      expect(config.s3.credentials).toEqual({ accessKeyId: minio.MINIO_ROOT_USER, secretAccessKey: minio.MINIO_ROOT_PASSWORD });
    });

    it('starts only once what it depends on is healthy', () => {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency]).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck).toBeDefined();
        else expect([dependency, condition]).toEqual(['minio-init', 'service_completed_successfully']);
      }
    });
  });

  it('starts the api after every server it needs, and the worker and projector after the api', () => {
    expect(Object.keys(services.api!.depends_on!).sort()).toEqual(['eventstore', 'kafka', 'minio', 'minio-init', 'postgres']);
    expect(services.worker!.depends_on).toEqual({ api: { condition: 'service_healthy' } });
    expect(services.projector!.depends_on).toEqual({ api: { condition: 'service_healthy' } });
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.values(services).flatMap((service) => (service.ports ?? []).map((port) => published(port).host));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds in one stage and runs from a slim one that carries no sources or dev tools', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime).toMatch(/^node:\S+-alpine AS runtime/);
    expect(runtime).toContain('COPY --from=build');
    expect(runtime).not.toMatch(/^COPY (apps|libs)/m);
    expect(stages[0]).toContain('npm prune --omit=dev');
  });

  it('runs as a user other than root, and probes the app', () => {
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health\/live/m);
  });

  it('runs node with the flags that the npm start scripts and the test and bench launcher use', () => {
    expect(runtime).toContain(`ENTRYPOINT ${JSON.stringify(['node', ...appNodeFlags])}`.replaceAll('","', '", "'));
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const starts = Object.entries(scripts).filter(([name]) => name.startsWith('start:'));
    expect(starts.length).toBeGreaterThan(0);
    for (const [, command] of starts) expect(command).toMatch(new RegExp(`^node ${appNodeFlags.join(' ')} dist/apps/`));
  });

  it('leaves local files out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});
