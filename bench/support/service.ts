import { readFile } from 'node:fs/promises';
import { freeLoopbackPorts } from '../../tools/stack/free-port';
import { waitFor } from '../../tools/stack/wait-for';
import { AppProcess, ensureAppBuilt, type AppName } from '../../tools/resilience/app-process';

// USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every Linux architecture Node runs on.
const clockTicksPerSecond = 100;

/** The apps the bench runs, built first when dist/ is missing or older than their sources. */
export async function ensureBuiltApps(log: (line: string) => void): Promise<void> {
  for (const app of ['import-api', 'import-projector', 'import-worker'] as const) {
    const started = Date.now();
    await ensureAppBuilt(app, { timeoutMs: 600_000 });
    if (Date.now() - started > 1_000) log(`Built ${app} (its sources had changed) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

/** One app process of the service, with what the bench reads of it from /proc. */
export interface BenchApp {
  readonly process: AppProcess;
  /** Aborted when the process exits before stop(). */
  readonly died: AbortSignal;
  /** The highest resident set size the kernel has seen for the process (VmHWM), in bytes. */
  peakRssBytes(): Promise<number>;
  /** CPU time the process has used so far (user + system), in seconds. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

function startApp(app: AppName, name: string, env: Record<string, string>): BenchApp {
  const child = AppProcess.start(name, { ...process.env, ...env }, app);
  const died = new AbortController();
  let stopping = false;
  void child.exited.then((exit) => {
    if (!stopping) died.abort(new Error(`${name} exited (${JSON.stringify(exit)}):\n${child.recentOutput()}`));
  });
  const proc = (file: 'status' | 'stat'): Promise<string> => readFile(`/proc/${child.pid}/${file}`, 'utf8');
  return {
    process: child,
    died: died.signal,
    async peakRssBytes() {
      const kib = /^VmHWM:\s+(\d+) kB/m.exec(await proc('status'))?.[1];
      if (kib === undefined) throw new Error(`no VmHWM for ${name} (pid ${child.pid})`);
      return Number(kib) * 1024;
    },
    async cpuSeconds() {
      const stat = await proc('stat');
      // After the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th fields.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
    },
    async stop() {
      stopping = true;
      const kill = setTimeout(() => void child.kill('SIGKILL'), 15_000);
      await child.kill('SIGTERM');
      clearTimeout(kill);
    },
  };
}

export interface ServiceSettings {
  /** Connection settings of the stack (KAFKA_BROKERS, S3_*, DATABASE_URL). */
  readonly stackEnv: Record<string, string>;
  readonly workers: number;
  readonly pieceSizeBytes: number;
  /** Names topics, schemas and the reports bucket, so that two services never share state: letters and digits only. */
  readonly prefix: string;
}

export interface RunningService {
  readonly url: string;
  /** The SQL schema of the service's event store, to read its events' sizes. */
  readonly eventStoreSchema: string;
  /** What every topic of the service's own is named after, to read its messages' sizes. */
  readonly topicPrefix: string;
  /** The consumer group of the piece workers, whose membership tells when workers have joined. */
  readonly pieceWorkersGroup: string;
  readonly workers: readonly BenchApp[];
  /** Each running process's highest resident set size so far, by name (api, projector, worker-1, …). */
  peakRssBytes(): Promise<Record<string, number>>;
  /** Stops one worker and starts a fresh one in its place, so that its peak RSS counts from now. */
  restartWorker(index: number): Promise<void>;
  /** The last lines every process printed, to explain a failure. */
  recentOutput(): string;
  stop(): Promise<void>;
}

/**
 * The service as it is deployed scaled out: one API process, one projector process and `workers`
 * worker processes, each a child process running the built app (tools/resilience/app-process.ts).
 * Resolves once the API answers; the workers may still be joining their groups (see
 * `pieceWorkersGroup`).
 */
export async function startService(settings: ServiceSettings): Promise<RunningService> {
  const [port] = await freeLoopbackPorts(1);
  const env: Record<string, string> = {
    ...settings.stackEnv,
    TOPIC_PREFIX: `bench.${settings.prefix}`,
    EVENT_STORE_SCHEMA: `bench_events_${settings.prefix}`,
    READ_MODEL_SCHEMA: `bench_views_${settings.prefix}`,
    REPORTS_BUCKET: `bench-reports-${settings.prefix}`,
    PIECE_SIZE_BYTES: String(settings.pieceSizeBytes),
    KAFKA_CLIENT_ID: `bench-${settings.prefix}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    API_KEYS: '',
    LOG_LEVEL: process.env.BENCH_SERVICE_LOG_LEVEL ?? 'warn',
  };
  const url = `http://127.0.0.1:${port}`;
  const backgroundEnv = { ...env, PORT: '0' };
  const started: BenchApp[] = [];
  const workers: BenchApp[] = [];
  try {
    // The API first: it creates the topics and schemas, which apps racing to do so only retry.
    const api = startApp('import-api', 'api', env);
    started.push(api);
    await waitFor('the API to answer', async () => (await fetch(`${url}/v1/imports?limit=1`).catch(() => undefined))?.ok, {
      timeoutMs: 120_000,
      intervalMs: 250,
      signal: api.died,
    });
    started.push(startApp('import-projector', 'projector', backgroundEnv));
    for (let index = 0; index < settings.workers; index++) workers.push(startApp('import-worker', `worker-${index + 1}`, backgroundEnv));
    started.push(...workers);
  } catch (error) {
    await Promise.allSettled(started.map((app) => app.stop()));
    throw error;
  }
  return {
    url,
    eventStoreSchema: env.EVENT_STORE_SCHEMA!,
    topicPrefix: env.TOPIC_PREFIX!,
    pieceWorkersGroup: `${env.TOPIC_PREFIX}.piece-workers`,
    workers,
    async restartWorker(index) {
      const old = workers[index];
      if (old === undefined) throw new Error(`no worker ${index}`);
      await old.stop();
      const fresh = startApp('import-worker', old.process.name, backgroundEnv);
      workers[index] = fresh;
      started[started.indexOf(old)] = fresh;
    },
    async peakRssBytes() {
      return Object.fromEntries(await Promise.all(started.map(async (app) => [app.process.name, await app.peakRssBytes()] as const)));
    },
    recentOutput: () => started.map((app) => app.process.recentOutput()).join('\n\n'),
    async stop() {
      await Promise.allSettled(started.map((app) => app.stop()));
    },
  };
}
