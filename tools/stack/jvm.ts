import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, fstatSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait-for';

export const javaExecutable = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

/**
 * Flags for a throwaway JVM on a 2-core machine: the serial collector and the C1 compiler
 * alone start faster and leave the cores to the tests, and an out-of-memory error ends the process
 * (visible, reported with its log) instead of leaving a half-working server.
 */
export function lightJvmFlags(maxHeap: string): string[] {
  return [`-Xmx${maxHeap}`, '-Xms64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'];
}

export interface JvmOptions {
  /** Names the server in messages, e.g. "Kafka". */
  name: string;
  /** Everything after `java`. */
  args: string[];
  /** The server's own temporary folder, working directory and data; deleted once the JVM is gone. */
  scratchDir: string;
  /** Receives the JVM's stdout and stderr. */
  logFile: string;
  /** How long SIGTERM may take before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface JvmExit {
  /** null when killed by a signal, or when java could not be started at all. */
  code: number | null;
}

export interface Jvm {
  /** The JVM's process id, for tests that freeze a server (SIGSTOP) to play an outage. */
  readonly pid: number | undefined;
  /** Aborted as soon as the JVM exits for any reason; the reason says how, with its last log lines. */
  readonly died: AbortSignal;
  /** Settles when the JVM is gone; the scratch folder is left alone (stop() deletes it). */
  readonly exited: Promise<JvmExit>;
  /** SIGTERM, then SIGKILL after the deadline; the scratch folder is kept. Safe to call twice. */
  halt(): Promise<void>;
  /** halt(), then the scratch folder is deleted. Safe to call twice. */
  stop(): Promise<void>;
}

interface RunningJvm {
  child: ChildProcess;
  scratchDir: string;
}

const running = new Set<RunningJvm>();

/** The last resort inside this process: an exit that skipped stop() still takes its JVMs along. */
function killRunningJvmsSync(): void {
  for (const { child, scratchDir } of running) {
    child.kill('SIGKILL');
    rmSync(scratchDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/**
 * The last resort outside this process: a small detached Node process that holds the read end of a
 * pipe from us. When we die in a way that runs no exit handler (SIGKILL, SIGTERM's default action,
 * a crash), the pipe closes and it kills the JVM and deletes its folder, so no orphan JVM outlives
 * a killed jest run.
 */
const orphanGuardScript = `
const [pid, scratchDir] = process.argv.slice(1);
process.stdin.on('close', () => {
  try { process.kill(Number(pid), 'SIGKILL'); } catch {}
  require('node:fs').rmSync(scratchDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});
process.stdin.resume();
`;

function startOrphanGuard(jvmPid: number, scratchDir: string): ChildProcess {
  const guard = spawn(process.execPath, ['-e', orphanGuardScript, String(jvmPid), scratchDir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // Neither the guard nor its pipe may keep this process alive.
  guard.unref();
  (guard.stdin as Socket | null)?.unref();
  return guard;
}

export function startJvm({ name, args, scratchDir, logFile, stopTimeoutMs = 10_000 }: JvmOptions): Jvm {
  const log = openSync(logFile, 'a');
  // Not detached: a Ctrl-C in the terminal reaches the JVM along with us.
  const child = spawn(javaExecutable, args, { cwd: scratchDir, stdio: ['ignore', log, log] });
  closeSync(log);

  const entry: RunningJvm = { child, scratchDir };
  if (!process.listeners('exit').includes(killRunningJvmsSync)) {
    process.on('exit', killRunningJvmsSync);
  }
  running.add(entry);
  const guard = child.pid === undefined ? undefined : startOrphanGuard(child.pid, scratchDir);

  const died = new AbortController();
  const exited = new Promise<JvmExit>((resolve) => {
    const gone = (code: number | null, reason: Error): void => {
      running.delete(entry);
      guard?.kill('SIGKILL');
      died.abort(reason);
      resolve({ code });
    };
    child.once('exit', (code, signal) =>
      gone(code, new Error(`${name} exited (${signal ?? `code ${code}`}); last lines of ${logFile}:\n${tailOf(logFile)}`)),
    );
    child.once('error', (error) =>
      gone(null, new Error(`${name} could not be started with ${javaExecutable} (Java 17 or newer is needed; JAVA_HOME picks one): ${error.message}`)),
    );
  });

  let halting: Promise<void> | undefined;
  const halt = (): Promise<void> =>
    (halting ??= (async () => {
      const forceKill = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(forceKill);
    })());
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await halt();
      await rm(scratchDir, { recursive: true, force: true, maxRetries: 5 });
    })());

  return { pid: child.pid, died: died.signal, exited, halt, stop };
}

function tailOf(file: string, maxBytes = 4096): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '(no log)';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A server started by the stack: where its log is, how to learn it died, how to stop it. */
export interface JvmServer {
  /** The server's WARN-level log, inside its folder (deleted by stop). */
  readonly logFile: string;
  /** Aborted if the server exits before stop() or restart(). */
  readonly died: AbortSignal;
  /** The JVM's process id, for tests that freeze a server (SIGSTOP) to play an outage. */
  readonly pid: number | undefined;
  /**
   * Stops the server as an operator would (SIGTERM, SIGKILL past the deadline), runs `whileStopped`,
   * and starts it again with the same folder, data and ports; resolves once it answers again.
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface JvmServerOptions extends JvmOptions {
  /** Answers true once the server serves, not merely listens. */
  answers(): Promise<boolean>;
  readyTimeoutMs: number;
}

/**
 * Starts a JVM and waits, with a deadline, until it answers; a server that dies or never answers
 * is stopped (its folder deleted) before the failure is thrown. The object returned follows the
 * server across restarts: add fields to it rather than copy it.
 */
export async function startJvmServer({ answers, readyTimeoutMs, ...jvmOptions }: JvmServerOptions): Promise<JvmServer> {
  const startAnswering = async (): Promise<Jvm> => {
    const jvm = startJvm(jvmOptions);
    try {
      await waitFor(`${jvmOptions.name} to answer`, answers, { timeoutMs: readyTimeoutMs, intervalMs: 200, signal: jvm.died });
    } catch (error) {
      await jvm.stop();
      throw error;
    }
    return jvm;
  };
  let jvm = await startAnswering();
  return {
    logFile: jvmOptions.logFile,
    get died() {
      return jvm.died;
    },
    get pid() {
      return jvm.pid;
    },
    async restart(whileStopped) {
      await jvm.halt();
      try {
        await whileStopped?.();
      } finally {
        jvm = await startAnswering();
      }
    },
    stop: () => jvm.stop(),
  };
}
