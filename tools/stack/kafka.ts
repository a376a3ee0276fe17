import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freeLoopbackPorts } from './free-port';
import { lightJvmFlags, startJvm, startJvmServer, type JvmServer } from './jvm';
import { fetchMavenRuntime, type FetchedRuntime } from './maven-runtime';

export function fetchKafka(): Promise<FetchedRuntime> {
  return fetchMavenRuntime({ name: 'kafka', pomPath: join(__dirname, 'kafka', 'pom.xml'), versionProperty: 'kafka.version' });
}

export interface KafkaServer extends JvmServer {
  brokers: string[];
  /** The broker's and the controller's ports, to start a broker again where clients expect it. */
  ports: readonly [broker: number, controller: number];
}

export interface StartKafkaOptions {
  readyTimeoutMs?: number;
  /** Free ports unless given: a test that stops its broker starts a new one on the same ports. */
  ports?: readonly [broker: number, controller: number];
}

/**
 * One combined broker+controller in KRaft mode on free loopback ports, with a fresh data folder,
 * configured so that transactions and consumer groups work on a single node.
 */
export async function startKafka({ readyTimeoutMs = 60_000, ports }: StartKafkaOptions = {}): Promise<KafkaServer> {
  const { libDir } = await fetchKafka();
  const scratchDir = await mkdtemp(join(tmpdir(), 'import-jobs-kafka-'));
  try {
    const [port, controllerPort] = ports ?? (await freeLoopbackPorts(2));
    const brokers = [`127.0.0.1:${port}`];
    const serverProperties = join(scratchDir, 'server.properties');
    const log4jProperties = join(scratchDir, 'log4j.properties');
    const logFile = join(scratchDir, 'kafka.log');
    await writeFile(serverProperties, singleNodeProperties({ port, controllerPort, logDir: join(scratchDir, 'data') }));
    // Kafka 3.9 logs through slf4j to reload4j; to stdout, which startJvm sends to the log file.
    await writeFile(log4jProperties, quietLog4j);
    const classPath = ['-cp', join(libDir, '*'), `-Dlog4j.configuration=${pathToFileURL(log4jProperties).href}`];

    // Started like the server, so that it too is killed, and the folder deleted, if we die meanwhile.
    // Kafka's own ids are 16 random bytes in base64url; one that begins with '-' would be read by
    // the storage tool as an option, so the first character is kept a letter.
    const clusterId = `k${randomBytes(16).toString('base64url').slice(1)}`;
    const format = startJvm({
      name: "Kafka's storage format",
      args: [...lightJvmFlags('256m'), ...classPath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', serverProperties],
      scratchDir,
      logFile,
    });
    if ((await format.exited).code !== 0) throw format.died.reason;

    const server = await startJvmServer({
      name: `Kafka on ${brokers.join(',')}`,
      args: [...lightJvmFlags('512m'), ...classPath, 'kafka.Kafka', serverProperties],
      scratchDir,
      logFile,
      answers: () => clusterAnswers(brokers),
      readyTimeoutMs,
    });
    return Object.assign(server, { brokers, ports: [port, controllerPort] as const });
  } catch (error) {
    await rm(scratchDir, { recursive: true, force: true });
    throw error;
  }
}

function singleNodeProperties({ port, controllerPort, logDir }: { port: number; controllerPort: number; logDir: string }): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    // One node: every internal topic must be satisfied by a single replica, or transactions and
    // consumer groups never become available.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // The first group and the first transaction create these topics; 50 partitions each (the
    // default) cost seconds of a 2-core machine and buy nothing on one node.
    'offsets.topic.num.partitions=5',
    'transaction.state.log.num.partitions=5',
    // Tests join consumer groups all the time; the default 3 s wait for more members is pure delay.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'num.partitions=3',
  ].join('\n')}\n`;
}

const quietLog4j = `${[
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
].join('\n')}\n`;

/** The broker answers metadata requests and counts itself as a member of its cluster. */
async function clusterAnswers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'import-jobs-stack-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect();
  }
}
