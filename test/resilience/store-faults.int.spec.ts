import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { S3FaultProxy, type S3Fault } from '../../tools/resilience/s3-fault-proxy';
import { TcpProxy } from '../../tools/resilience/tcp-proxy';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { harnessEnv } from '../harness/env';
import { eventually } from '../pipeline/support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { ApiAndProjectorModule, killAll, numberedCsv, startChildWorker, tallyStream, startNumberedJob, expectImportedExactlyOnce } from './support/resilience-app';

// ~1,900 rows a piece: a 40k-row file is ~20 pieces, a 100k-row one ~50.
const pieceSizeBytes = 64 * 1024;

/**
 * The worker process reads S3 and PostgreSQL through proxies that the test spoils: the shared
 * servers themselves are never touched, so other test files running at the same time see nothing.
 */
describe('S3 and PostgreSQL faults under a worker process', () => {
  const workers: AppProcess[] = [];
  const suite = usePipelineSuite({ pieceSizeBytes, module: ApiAndProjectorModule, closeBeforeApp: () => killAll(workers) });
  let s3Proxy: S3FaultProxy;
  let pgProxy: TcpProxy;

  beforeAll(async () => {
    await ensureAppBuilt();
    // Only the worker's reads of source objects are spoiled, not its writes of failure lists.
    s3Proxy = await S3FaultProxy.start(new URL(harnessEnv('S3_ENDPOINT')), (request) => request.method === 'GET' && request.url?.startsWith(`/${suite.sources.name}/`) === true);
    const database = new URL(harnessEnv('DATABASE_URL'));
    pgProxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
  }, 200_000);

  afterEach(() => killAll(workers));

  afterAll(async () => {
    await s3Proxy?.stop();
    await pgProxy?.stop();
  });

  function startWorker(): AppProcess {
    const database = new URL(harnessEnv('DATABASE_URL'));
    database.host = `${pgProxy.address.host}:${pgProxy.address.port}`;
    const worker = startChildWorker(`worker ${workers.length + 1}`, { S3_ENDPOINT: s3Proxy.endpoint, DATABASE_URL: database.href });
    workers.push(worker);
    return worker;
  }

  it('S3 answering 503 SlowDown and cutting ranged reads mid-stream: the job completes with every row exactly once, in a bounded number of reads', async () => {
    const file = numberedCsv('s3-faults', 40_000);
    const { jobId, destinationTopic, pieces } = await startNumberedJob(suite, 's3-faults', file);
    // Spread over the job's reads: throttling that outlasts the SDK's own three attempts, and cut transfers.
    const faults: Array<S3Fault | undefined> = ['slow-down', 'slow-down', 'slow-down', 'slow-down', undefined, 'cut-mid-body', undefined, 'slow-down', 'cut-mid-body', undefined, undefined, 'slow-down', 'slow-down', 'cut-mid-body'];
    s3Proxy.faults.push(...faults);
    const planned = faults.filter(Boolean).length;

    const worker = startWorker();
    await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file }, { explain: () => worker.recentOutput() });

    expect(s3Proxy.injected).toBe(planned);
    // One read a piece, one more for each fault, and a few for pieces a cut read made the worker redo.
    expect(s3Proxy.matching).toBeLessThanOrEqual(pieces + 2 * planned + 5);
    expect(worker.running).toBe(true);
  }, 300_000);

  it('PostgreSQL refusing connections for 5 s mid-job: the worker rides it out and the job completes exactly once', async () => {
    const file = numberedCsv('pg-outage', 100_000);
    const { jobId, destinationTopic } = await startNumberedJob(suite, 'pg-outage', file);

    const worker = startWorker();
    await eventually('the worker to settle a piece', async () => ((await tallyStream(suite.pipeline.store, jobId)).settledPieces > 0 ? true : undefined), {
      timeoutMs: 90_000,
      explain: () => worker.recentOutput(),
    });
    await pgProxy.refuse();
    try {
      expect((await tallyStream(suite.pipeline.store, jobId)).terminalEvents).toBe(0);
      const outageEnds = Date.now() + 5_000;
      await eventually('the outage to last 5 s', async () => (Date.now() >= outageEnds || !worker.running ? true : undefined), { intervalMs: 100 });
    } finally {
      await pgProxy.accept();
    }
    // Riding it out means staying alive: a connection dropped between two queries of a transaction
    // once ended the process through an 'error' event nobody listened to.
    if (!worker.running) throw new Error(`The worker exited during the PostgreSQL outage:\n${worker.recentOutput(80)}`);

    await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file }, { explain: () => worker.recentOutput() });
    expect(worker.running).toBe(true);
  }, 300_000);

  it('the object deleted mid-import: the job fails, naming the missing object', async () => {
    const file = numberedCsv('deleted', 100_000);
    const { jobId } = await startNumberedJob(suite, 'deleted', file);

    const worker = startWorker();
    await eventually('the worker to settle a piece', async () => ((await tallyStream(suite.pipeline.store, jobId)).settledPieces > 0 ? true : undefined), {
      timeoutMs: 90_000,
      explain: () => worker.recentOutput(),
    });
    // Frozen while the object goes, so that the deletion lands between two of its reads.
    worker.pause();
    await suite.pipeline.s3.send(new DeleteObjectCommand({ Bucket: suite.sources.name, Key: 'deleted.csv' }));
    worker.resume();

    const job = await suite.api.waitUntilFinished(jobId, 120_000);

    expect(job.status).toBe('Failed');
    expect(job.failureReason).toEqual({ code: 'PIECES_FAILED', message: expect.stringMatching(/pieces failed; first: .*deleted\.csv/) });
    expect(job.pieces.failed).toBeGreaterThan(0);
    expect(job.pieces.completed + job.pieces.failed).toBe(job.pieces.total);
    expect(worker.running).toBe(true);
  }, 300_000);

  itChecksEveryJobOfTheFile(suite);
});
