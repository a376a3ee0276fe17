import { setTimeout as delay } from 'node:timers/promises';
import { MESSAGING } from '@import-jobs/application/di-tokens';
import type { Messaging, OutgoingMessage } from '@import-jobs/messaging';
import { tallyKeys } from '../../tools/resilience/key-tally';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { eventually } from '../pipeline/support/deadline';
import type { PipelineApp } from '../pipeline/support/pipeline-app';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { readCommittedUntilNow } from '../pipeline/support/topics';
import { ApiAndProjectorModule, killAll, numberedCsv, startChildWorker, tallyStream, startNumberedJob, expectImportedExactlyOnce } from './support/resilience-app';

// ~950 rows a piece: a 150k-row file is ~150 pieces, released to the workers a few at a time.
const pieceSizeBytes = 32 * 1024;
const kills = 6;
const piecesPerWorkerLife = 8;

/**
 * Holds back every work item the app publishes until the test releases it, so that the job stays
 * open (a held piece is pending) for as long as the test needs, however fast the workers are.
 */
function holdWorkItems(pipeline: PipelineApp) {
  const { producer } = pipeline.app.get<Messaging>(MESSAGING);
  const send = producer.send.bind(producer);
  const held: OutgoingMessage[] = [];
  const spy = jest.spyOn(producer, 'send').mockImplementation(async (messages) => {
    held.push(...messages.filter((message) => message.topic === pipeline.topics.pieces));
    const others = messages.filter((message) => message.topic !== pipeline.topics.pieces);
    if (others.length > 0) await send(others);
  });
  return {
    held: () => held.length,
    release: (count: number) => send(held.splice(0, count)),
    releaseAll: () => send(held.splice(0)),
    restore: () => spy.mockRestore(),
  };
}

describe('worker processes killed or stopped mid-job', () => {
  const workers: AppProcess[] = [];
  // No turns: the job's work items are held back and let out by the test, so the whole plan goes out at once.
  const suite = usePipelineSuite({ pieceSizeBytes, maxPiecesOutPerJob: 10_000, module: ApiAndProjectorModule, closeBeforeApp: () => killAll(workers) });

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

  it(`SIGKILLed at random points ${kills} times during one 150k-row job: the job completes once, with every valid row exactly once`, async () => {
    const { pipeline } = suite;
    const workItems = holdWorkItems(pipeline);
    try {
      const file = numberedCsv('crash', 150_000);
      const { jobId, destinationTopic, pieces } = await startNumberedJob(suite, 'crash', file);
      await eventually('every work item of the plan to be held', async () => workItems.held() >= pieces || undefined);

      let worker = startWorker();
      for (let kill = 1; kill <= kills; kill++) {
        await workItems.release(piecesPerWorkerLife);
        // A kill point: some time after this worker life has settled a piece of its own, so that it
        // dies holding a piece, or between pieces, or before its results are recorded.
        const before = (await tallyStream(pipeline.store, jobId)).settledPieces;
        await eventually('the worker to settle a piece', async () => (await tallyStream(pipeline.store, jobId)).settledPieces > before || undefined, {
          timeoutMs: 90_000,
          intervalMs: 50,
          explain: () => worker.recentOutput(),
        });
        await delay(Math.random() * 150);
        await worker.kill('SIGKILL');
        worker = startWorker();
      }

      // The pieces still held kept the job open through every kill.
      expect((await tallyStream(pipeline.store, jobId)).terminalEvents).toBe(0);
      await workItems.releaseAll();
      const { job, tally } = await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file });
      console.info(`crash suite: ${kills} SIGKILLs during one job of ${file.rows} rows in ${job.pieces.total} pieces; lost ${tally.lost}, duplicated ${tally.duplicated}`);
      // Every byte but the header's, which the planner reads and no piece holds.
      expect(job.bytes.processed).toBe(job.bytes.total - Buffer.byteLength('id,name,amount\n'));
    } finally {
      workItems.restore();
    }
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
