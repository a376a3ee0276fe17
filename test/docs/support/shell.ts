import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface ShellRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a README command with bash, as a reader pastes it, in `cwd`, with `env` added to a clean
 * environment: PATH and HOME of the test, none of npm's variables (npm sets its own for the
 * command, from where the reader stands).
 */
export function runShell(command: string, { cwd, env, timeoutMs = 90_000 }: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<ShellRun> {
  const inherited = Object.fromEntries(['PATH', 'HOME', 'LANG', 'TMPDIR'].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', command], { cwd, env: { ...inherited, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`\`${command}\` did not finish: ${error.message}\n${stderr}`));
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/**
 * A folder to run README's commands in, inside the repository (under the ignored `.cache/`), since
 * `npm run` finds the package from where it is typed.
 */
export async function readerFolder(): Promise<{ path: string; remove: () => Promise<void> }> {
  const cache = join(__dirname, '../../../.cache');
  await mkdir(cache, { recursive: true });
  const path = await mkdtemp(join(cache, 'readme-examples-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
