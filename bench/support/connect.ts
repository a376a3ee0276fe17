import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freeLoopbackPorts } from '../../tools/stack/free-port';
import { startJvmServer, type JvmServer } from '../../tools/stack/jvm';
import { fetchMavenRuntime, type FetchedRuntime } from '../../tools/stack/maven-runtime';

export function fetchConnect(): Promise<FetchedRuntime> {
  return fetchMavenRuntime({ name: 'kafka-connect', pomPath: join(__dirname, '..', '..', 'tools', 'stack', 'connect', 'pom.xml'), versionProperty: 'kafka.version' });
}

export interface ConnectWorker extends JvmServer {
  /** Runs a FileStreamSource connector reading `file` into `topic`; resolves once the worker accepted it. */
  startFileSource(name: string, file: string, topic: string): Promise<void>;
  deleteConnector(name: string): Promise<void>;
}

/**
 * Kafka Connect in standalone mode, with no connector at start: each measured run adds one through
 * the REST API, so the JVM's start-up is not part of any figure. The JVM gets the flags Kafka's own
 * scripts give Connect (G1, up to 2 GB of heap, the full JIT), not the stack's lean test flags:
 * the peer is measured as a user would run it.
 */
export async function startConnect(brokers: readonly string[]): Promise<ConnectWorker> {
  const { libDir } = await fetchConnect();
  const scratchDir = await mkdtemp(join(tmpdir(), 'import-jobs-connect-'));
  try {
    const [port] = await freeLoopbackPorts(1);
    const rest = `http://127.0.0.1:${port}`;
    const workerProperties = join(scratchDir, 'worker.properties');
    const log4jProperties = join(scratchDir, 'log4j.properties');
    await writeFile(
      workerProperties,
      `${[
        `bootstrap.servers=${brokers.join(',')}`,
        // Each line of the file is one record, as it is: what the NDJSON file holds.
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${join(scratchDir, 'connect.offsets')}`,
        'offset.flush.interval.ms=10000',
        `listeners=http://127.0.0.1:${port}`,
      ].join('\n')}\n`,
    );
    await writeFile(
      log4jProperties,
      `${['log4j.rootLogger=WARN, stdout', 'log4j.appender.stdout=org.apache.log4j.ConsoleAppender', 'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout', 'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n'].join('\n')}\n`,
    );
    const server = await startJvmServer({
      name: `Kafka Connect on ${rest}`,
      args: [
        '-Xms256M',
        '-Xmx2G',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=${pathToFileURL(log4jProperties).href}`,
        '-cp',
        join(libDir, '*'),
        'org.apache.kafka.connect.cli.ConnectStandalone',
        workerProperties,
      ],
      scratchDir,
      logFile: join(scratchDir, 'connect.log'),
      answers: async () => (await call(rest, 'GET', '/connectors')).status === 200,
      readyTimeoutMs: 120_000,
    });
    const connector: Omit<ConnectWorker, keyof JvmServer> = {
      async startFileSource(name, file, topic) {
        const config = { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file, topic };
        const answer = await call(rest, 'POST', '/connectors', { name, config });
        if (answer.status !== 201) throw new Error(`Connect refused connector ${name}: ${answer.status} ${answer.body}`);
      },
      async deleteConnector(name) {
        const answer = await call(rest, 'DELETE', `/connectors/${encodeURIComponent(name)}`);
        if (answer.status !== 204 && answer.status !== 404) throw new Error(`Connect could not delete connector ${name}: ${answer.status} ${answer.body}`);
      },
    };
    return Object.assign(server, connector);
  } catch (error) {
    await rm(scratchDir, { recursive: true, force: true });
    throw error;
  }
}

function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${base}${path}`, { method, agent: false, timeout: 30_000, headers: payload ? { 'content-type': 'application/json' } : {} }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
