import { setTimeout as delay } from 'node:timers/promises';
import { tallyKeys } from '../../tools/resilience/key-tally';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { eventually } from '../pipeline/support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { readCommittedUntilNow } from '../pipeline/support/topics';
import { ApiAndProjectorModule, killAll, numberedCsv, startChildWorker, tallyStream, startNumberedJob, expectImportedExactlyOnce } from './support/resilience-app';

// ~950 rows a piece: a 150k-row file is ~150 pieces. A worker life takes one piece, and what it
// settles in the short while before its kill, so the job outlasts the kills on a fast machine too
// (at 64 KiB, 75 pieces, a fast machine finished the job after 4 kills).
const pieceSizeBytes = 32 * 1024;

describe('worker processes killed or stopped mid-job', () => {
  const workers: AppProcess[] = [];
  const suite = usePipelineSuite({ pieceSizeBytes, module: ApiAndProjectorModule, closeBeforeApp: () => killAll(workers) });

  beforeAll(async () => {
    await ensureAppBuilt();
  }, 200_000);

  // Each test's workers end with it, so that the next test knows which process does its work.
  afterEach(() => killAll(workers));

  function startWorker(env: Record<string, string> = {}): AppProcess {
    const worker = startChildWorker(`worker ${workers.length + 1}`, env);
    workers.push(worker);
    return worker;
  }

  it('SIGKILLed at random points at least 5 times during one 150k-row job: the job completes once, with every valid row exactly once', async () => {
    const { pipeline } = suite;
    const file = numberedCsv('crash', 150_000);
    const { jobId, destinationTopic } = await startNumberedJob(suite, 'crash', file);

    let kills = 0;
    let worker = startWorker();
    for (;;) {
      // A kill point: some time after this worker life has settled a piece of its own, so that it
      // dies holding a piece, or between pieces, or before its results are recorded.
      const before = (await tallyStream(pipeline.store, jobId)).settledPieces;
      const progressed = await eventually(
        'the worker to settle a piece',
        async () => {
          const now = await tallyStream(pipeline.store, jobId);
          return now.settledPieces > before || now.terminalEvents > 0 ? now : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 50, explain: () => worker.recentOutput() },
      );
      if (progressed.terminalEvents > 0 || kills >= 6) break;
      // A short random wait: the kill lands at a random point of whichever piece is in hand, a few
      // pieces on at most.
      await delay(Math.random() * 150);
      if ((await tallyStream(pipeline.store, jobId)).terminalEvents > 0) break;
      await worker.kill('SIGKILL');
      kills++;
      worker = startWorker();
    }

    expect(kills).toBeGreaterThanOrEqual(5);
    const { job, tally } = await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file });
    console.info(`crash suite: ${kills} SIGKILLs during one job of ${file.rows} rows in ${job.pieces.total} pieces; lost ${tally.lost}, duplicated ${tally.duplicated}`);
    // Every byte but the header's, which the planner reads and no piece holds.
    expect(job.bytes.processed).toBe(job.bytes.total - Buffer.byteLength('id,name,amount\n'));
  }, 600_000);

  it('SIGTERM mid-job: the worker exits 0 within SHUTDOWN_TIMEOUT_MS leaving no open transaction; a restarted worker finishes the job exactly once', async () => {
    const { pipeline, messaging } = suite;
    const shutdownTimeoutMs = 4_000;
    const file = numberedCsv('sigterm', 60_000);
    const { jobId, destinationTopic } = await startNumberedJob(suite, 'sigterm', file);

    const worker = startWorker({ SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) });
    await eventually('the worker to settle a piece', async () => ((await tallyStream(pipeline.store, jobId)).settledPieces > 0 ? true : undefined), {
      timeoutMs: 90_000,
      explain: () => worker.recentOutput(),
    });
    const signalledAt = Date.now();
    const exit = await worker.kill('SIGTERM');
    const tookMs = Date.now() - signalledAt;
    const atStop = await tallyStream(pipeline.store, jobId);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(shutdownTimeoutMs + 2_000);
    expect(atStop.terminalEvents).toBe(0);
    // The end marker is delivered only when no transaction before it is open: nothing is half-published.
    const beforeRestart = tallyKeys(file.validKeys, (await readCommittedUntilNow(messaging, destinationTopic)).map((message) => message.key));
    expect(beforeRestart).toMatchObject({ duplicated: 0, unexpected: 0 });
    expect(beforeRestart.lost).toBeGreaterThan(0);

    const restarted = startWorker();
    await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file }, { explain: () => restarted.recentOutput() });
  }, 300_000);

  itChecksEveryJobOfTheFile(suite);
});
