import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OutgoingMessage, Transaction } from '@import-jobs/messaging';

/**
 * Confluent's client for Node, a binding of librdkafka: the well-kept alternative to kafkajs that
 * the bench measures side by side with it before the service switches (bench/RESULTS.md). Only the
 * bench uses it, so it is not a dependency of the project: it is installed on first use into the
 * bench's cache. Its install builds librdkafka from the sources in the package (about a minute on
 * two cores): the prebuilt binary it would fetch comes from outside the npm registry, and linking
 * dynamically keeps librdkafka's configure from downloading static copies of OpenSSL and zlib.
 */
export const librdkafkaClientVersion = '1.10.1';

const packageName = '@confluentinc/kafka-javascript';

/** The folder holding the installed client, installing it when missing; throws when it cannot be built here. */
export async function ensureLibrdkafkaClient(cacheDir: string, log: (line: string) => void): Promise<string> {
  // A native module loads only into the Node ABI it was built for: one build per ABI.
  const prefix = join(cacheDir, `librdkafka-client-${librdkafkaClientVersion}-abi${process.versions.modules}`);
  const installed = join(prefix, 'node_modules', ...packageName.split('/'));
  if (existsSync(join(installed, 'build', 'Release', 'confluent-kafka-javascript.node'))) return loadable(installed);
  log(`Installing ${packageName} ${librdkafkaClientVersion} into the bench's cache (builds librdkafka, once)`);
  await mkdir(prefix, { recursive: true });
  // npm 11 runs a dependency's install script only when the project allows it by name.
  await writeFile(join(prefix, 'package.json'), JSON.stringify({ private: true, allowScripts: { [packageName]: true } }, null, 2));
  const started = Date.now();
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `${packageName}@${librdkafkaClientVersion}`], {
    cwd: prefix,
    env: { ...process.env, CKJS_LINKING: 'dynamic' },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  log(`Installed ${packageName} in ${Math.round((Date.now() - started) / 1000)} s`);
  return loadable(installed);
}

/**
 * The installed client, once it loads into this Node. Its build compiles against whatever Node
 * headers node-gyp finds, which on a machine without internet access may be another Node's than the
 * one running (a Node 24 from the npm registry beside a system Node 20): the candidate is then
 * skipped with the reason, rather than failing the bench.
 */
async function loadable(installed: string): Promise<string> {
  try {
    await promisify(execFile)(process.execPath, ['-e', `require(${JSON.stringify(installed)})`], { timeout: 60_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    const reason = /NODE_MODULE_VERSION \d+/.exec(stderr)?.[0] ?? stderr.split('\n').find((line) => line.trim() !== '') ?? 'it does not load';
    throw new Error(`the client was built for another Node (${reason}; this one is ${process.version})`);
  }
  return installed;
}

interface ConfluentTransaction {
  send(record: { topic: string; messages: unknown[] }): Promise<unknown>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<ConfluentTransaction>;
}

interface ConfluentKafkaJs {
  KafkaJS: { Kafka: new (config: unknown) => { producer(config: unknown): ConfluentProducer }; logLevel: Record<string, number> };
}

/** A transactional producer over the client installed at `clientDir`, offering the messaging port's `send`. */
export async function librdkafkaTransactionalProducer(
  clientDir: string,
  { brokers, transactionalId }: { brokers: readonly string[]; transactionalId: string },
): Promise<{ withTransaction(work: (transaction: Transaction) => Promise<void>): Promise<void>; close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- installed by the bench at run time, not a dependency
  const { KafkaJS } = require(clientDir) as ConfluentKafkaJs;
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [...brokers], clientId: 'bench-limit-librdkafka', logLevel: KafkaJS.logLevel.ERROR } });
  // The same guarantees as the service's kafkajs producer: transactional, idempotent, all replicas.
  const producer = kafka.producer({ kafkaJS: { transactionalId, idempotent: true, acks: -1 } });
  await producer.connect();
  return {
    async withTransaction(work) {
      const transaction = await producer.transaction();
      try {
        await work({
          send: async (messages: readonly OutgoingMessage[]) => {
            if (messages.length === 0) return;
            const topic = messages[0]!.topic;
            await transaction.send({ topic, messages: messages.map(({ key, value, headers }) => ({ key, value, headers })) });
          },
          sendOffsets: () => Promise.reject(new Error('the limit script commits no consumer offsets')),
        });
      } catch (error) {
        await transaction.abort();
        throw error;
      }
      await transaction.commit();
    },
    close: () => producer.disconnect(),
  };
}
