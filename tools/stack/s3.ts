import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPorts } from './free-port';
import { lightJvmFlags, startJvmServer, type JvmServer } from './jvm';
import { fetchMavenRuntime, type FetchedRuntime } from './maven-runtime';

export function fetchS3Mock(): Promise<FetchedRuntime> {
  return fetchMavenRuntime({ name: 's3mock', pomPath: join(__dirname, 's3mock', 'pom.xml'), versionProperty: 's3mock.version' });
}

export interface S3Server extends JvmServer {
  endpoint: string;
  region: string;
  /** S3Mock accepts any credentials; fixed ones keep clients' signing code on the real path. */
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StartS3Options {
  readyTimeoutMs?: number;
}

/** Adobe S3Mock over plain HTTP on a free loopback port, storing objects in a fresh folder. */
export async function startS3({ readyTimeoutMs = 60_000 }: StartS3Options = {}): Promise<S3Server> {
  const { version, libDir } = await fetchS3Mock();
  const scratchDir = await mkdtemp(join(tmpdir(), 'import-jobs-s3-'));
  try {
    const [port] = await freeLoopbackPorts(1);
    const endpoint = `http://127.0.0.1:${port}`;
    const logFile = join(scratchDir, 's3mock.log');
    const server = await startJvmServer({
      name: `S3Mock on ${endpoint}`,
      args: [
        ...lightJvmFlags('384m'),
        '-jar',
        join(libDir, `s3mock-${version}-exec.jar`),
        // Spring's main connector is the endpoint: it alone honours server.address, so it can be
        // kept on loopback, and with SSL off it speaks plain HTTP.
        `--server.port=${port}`,
        '--server.address=127.0.0.1',
        '--server.ssl.enabled=false',
        // S3Mock always adds a second HTTP connector; port 0 lets the kernel pick any free port
        // for it, so it can never collide with another run. Nothing uses it.
        '--http.port=0',
        `--com.adobe.testing.s3mock.store.root=${join(scratchDir, 'store')}`,
        '--com.adobe.testing.s3mock.store.retain-files-on-exit=false',
        // S3Mock streams a GET as a Spring MVC async response, which Spring ends after its async
        // request timeout (about 95 s seen): a whole gzip object read at a worker's pace outlasts
        // it and is then read again and again. Real S3 has no such limit.
        '--spring.mvc.async.request-timeout=3600000',
        '--spring.main.banner-mode=off',
        '--logging.level.root=WARN',
      ],
      scratchDir,
      logFile,
      answers: () => listsBuckets(endpoint),
      readyTimeoutMs,
    });
    return Object.assign(server, {
      endpoint,
      region: 'us-east-1',
      accessKeyId: 'import-jobs',
      secretAccessKey: 'import-jobs-secret',
    });
  } catch (error) {
    await rm(scratchDir, { recursive: true, force: true });
    throw error;
  }
}

/** ListBuckets answers 200: the whole S3 stack is up, not just the port. */
function listsBuckets(endpoint: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = request(`${endpoint}/`, { method: 'GET', agent: false, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    probe.on('timeout', () => probe.destroy(new Error('no answer within 2 s')));
    probe.on('error', reject);
    probe.end();
  });
}
