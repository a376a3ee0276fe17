import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../stack/wait-for';

const repoRoot = join(__dirname, '..', '..');

export type AppName = 'import-worker' | 'import-api' | 'import-projector' | 'all-in-one';

/**
 * The node flags every app runs with, in the image (Dockerfile ENTRYPOINT) and through `npm run
 * start:*`, so that tests and the bench run what is shipped. V8 sizes the young generation from the
 * host's memory; 16 MiB semi-spaces keep a worker's peak RSS down at no cost in speed.
 */
export const appNodeFlags: readonly string[] = ['--max-semi-space-size=16'];

function mainOf(app: AppName): string {
  return join(repoRoot, 'dist', 'apps', app, 'main.js');
}

/**
 * The built app (the worker unless told), built first when it is missing or older than any source
 * file it is made of. Callers in several processes at once (jest workers) build it once: the others
 * wait on a lock folder.
 */
export async function ensureAppBuilt(app: AppName = 'import-worker', { timeoutMs = 180_000 } = {}): Promise<string> {
  const main = mainOf(app);
  const isFresh = () => isNewerThanSources(main);
  if (isFresh()) return main;
  const lock = join(repoRoot, 'dist', `.${app}-build.lock`);
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  const acquired = await waitFor(
    'the import-worker build lock',
    async () => {
      if (isFresh()) return 'built by another process';
      try {
        mkdirSync(lock);
        return 'acquired';
      } catch {
        // A lock left by a build that died long ago is stale.
        if (Date.now() - statSync(lock).mtimeMs > timeoutMs) rmdirSync(lock);
        return undefined;
      }
    },
    { timeoutMs, intervalMs: 500 },
  );
  if (acquired !== 'acquired') return main;
  try {
    const startedAt = Date.now();
    const { code, output } = await run(process.execPath, [join(repoRoot, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build', app]);
    // Webpack leaves an unchanged bundle untouched, so a good build is marked fresh by hand. It also
    // emits a bundle when type checking fails elsewhere in the tree (work in progress): one written
    // by this build is what the caller needs all the same.
    if (code === 0 && existsSync(main)) utimesSync(main, new Date(), new Date());
    else if (!existsSync(main) || statSync(main).mtimeMs < startedAt) throw new Error(`nest build ${app} failed (exit ${code}):\n${output.slice(-4000)}`);
    return main;
  } finally {
    rmdirSync(lock);
  }
}

function isNewerThanSources(main: string): boolean {
  if (!existsSync(main)) return false;
  const built = statSync(main).mtimeMs;
  return ['apps', 'libs'].every((folder) => newestSource(join(repoRoot, folder)) < built);
}

function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One process of a built app (an import-worker, mostly), run with `node`, configured by `env`
 * alone, its output kept (the last lines) to explain a failure.
 */
export class AppProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly lines: string[] = [];
  private exit: ProcessExit | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ReturnType<typeof spawn>,
  ) {
    const keep = (chunk: Buffer) => {
      this.lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Starts `node dist/apps/<app>/main.js` as the image and `npm run start:*` do, with exactly `env` (build it first with `ensureAppBuilt`). */
  static start(name: string, env: NodeJS.ProcessEnv, app: AppName = 'import-worker'): AppProcess {
    const child = spawn(process.execPath, [...appNodeFlags, mainOf(app)], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AppProcess(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends `signal` and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** Freezes the process (SIGSTOP) or lets it go on (SIGCONT), as a long pause or a stalled host would. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** Resident memory now, from /proc (Linux); undefined once the process is gone. */
  rssBytes(): number | undefined {
    if (!this.running || this.pid === undefined) return undefined;
    try {
      const kilobytes = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
    } catch {
      return undefined;
    }
  }

  /** The last lines it printed, to explain a failure. */
  recentOutput(count = 30): string {
    return `${this.name} (pid ${this.pid}, ${this.exit ? `exited ${JSON.stringify(this.exit)}` : 'running'}):\n${this.lines.slice(-count).join('\n')}`;
  }
}
