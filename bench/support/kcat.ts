import { execFileSync, spawn } from 'node:child_process';

/** kcat on the PATH, installed from Debian when it is missing and we may (root with apt-get); undefined otherwise. */
export function findKcat(log: (line: string) => void): string | undefined {
  const found = (): string | undefined => {
    try {
      return execFileSync('sh', ['-c', 'command -v kcat || command -v kafkacat'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const present = found();
  if (present) return present;
  if (process.getuid?.() === 0 && canRun('apt-get')) {
    log('kcat is missing: installing the Debian package kcat');
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'kcat'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 180_000 });
    } catch (error) {
      log(`Could not install kcat (${(error as Error).message.split('\n')[0]})`);
    }
    return found();
  }
  return undefined;
}

function canRun(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Produces every line of `file` as one record into `topic` with librdkafka's defaults (acks=all,
 * linger 5 ms, batches up to 1 MB); kcat exits once every record is acknowledged.
 */
export async function kcatProduce(kcat: string, brokers: readonly string[], topic: string, file: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(kcat, ['-P', '-b', brokers.join(','), '-t', topic, '-l', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited with ${code}: ${stderr.slice(-2000)}`))));
  });
}
