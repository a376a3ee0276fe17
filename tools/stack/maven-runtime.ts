import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Survives between runs and lies outside the clone, so a new worktree does not download again. */
export const stackCacheDir = process.env.IMPORT_JOBS_CACHE || join(homedir(), '.cache', 'import-jobs');

const markerName = 'fetched.txt';

export interface MavenRuntime {
  /** What the runtime is called in folder names and messages, e.g. "kafka". */
  name: string;
  /** A pom.xml that lists the runtime's jars as dependencies; nothing in it is built. */
  pomPath: string;
  /** The pom property that holds the version worth naming, e.g. "kafka.version". */
  versionProperty: string;
}

export interface FetchedRuntime {
  version: string;
  /** Every jar of the runtime, for a `libDir/*` class path. */
  libDir: string;
}

/**
 * Copies a runtime's jars from Maven Central into the cache folder, once. The folder is named by
 * version and by a hash of the pom, so a changed pom gets a new folder instead of replacing jars
 * that a running JVM may still be loading; a marker file written last says the folder is whole.
 * Maven is not started at all when the folder is already there.
 */
export async function fetchMavenRuntime(runtime: MavenRuntime): Promise<FetchedRuntime> {
  const pom = await readFile(runtime.pomPath, 'utf8');
  const version = propertyOf(pom, runtime.versionProperty, runtime.pomPath);
  const pomHash = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const dir = join(stackCacheDir, `${runtime.name}-${version}-${pomHash}`);
  const libDir = join(dir, 'lib');
  if (existsSync(join(dir, markerName))) return { version, libDir };

  // Copied beside the final folder and renamed into place: two runs fetching at once (two
  // worktrees on one machine) never see each other's half-copied jars.
  await mkdir(stackCacheDir, { recursive: true });
  // Maven runs quietly, and a first fetch takes about a minute: say why nothing seems to happen.
  console.error(`Fetching ${runtime.name} ${version} from Maven Central into ${dir} (once per version)`);
  const partial = `${dir}.partial-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await runMaven(runtime, join(partial, 'lib'));
    const jars = (await readdir(join(partial, 'lib'))).filter((file) => file.endsWith('.jar'));
    if (jars.length === 0) throw new Error(`Maven copied no jars for ${runtime.name} from ${runtime.pomPath}`);
    await writeFile(join(partial, markerName), `${runtime.name} ${version}\npom ${pomHash}\n${jars.sort().join('\n')}\n`);
    await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
      const anotherRunWon = (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') && existsSync(join(dir, markerName));
      if (!anotherRunWon) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { version, libDir };
}

function propertyOf(pom: string, property: string, pomPath: string): string {
  const escaped = property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const value = new RegExp(`<${escaped}>\\s*([^<\\s]+)\\s*</${escaped}>`).exec(pom)?.[1];
  if (!value) throw new Error(`${pomPath} has no <${property}> property`);
  return value;
}

async function runMaven(runtime: MavenRuntime, outputDirectory: string): Promise<void> {
  const args = ['-q', '-B', '-f', runtime.pomPath, `-DoutputDirectory=${outputDirectory}`, 'dependency:copy-dependencies'];
  try {
    await run('mvn', args, { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(`Fetching ${runtime.name} needs Maven (mvn) on the PATH, with access to Maven Central`);
    }
    const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim();
    throw new Error(`Maven could not fetch ${runtime.name} (${runtime.pomPath}):\n${output || failure.message}`);
  }
}
