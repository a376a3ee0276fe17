import { startKafka, type KafkaServer } from '../../tools/stack/kafka';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { eventually } from '../pipeline/support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { ApiAndProjectorModule, expectImportedExactlyOnce, killAll, numberedCsv, startChildWorker, startNumberedJob, tallyStream } from './support/resilience-app';

const pieceSizeBytes = 64 * 1024;
const outageMs = 15_000;

/**
 * The broker stops answering mid-job: frozen (SIGSTOP) for longer than the workers' session and
 * then let go, as a broker in a long pause or behind a broken network is. It is a broker of this
 * file's own, since the harness's one serves every test file running at the same time.
 */
describe('the broker stopping mid-job', () => {
  let kafka: KafkaServer | undefined;
  let harnessBrokers: string | undefined;

  beforeAll(async () => {
    [kafka] = await Promise.all([startKafka(), ensureAppBuilt()]);
    harnessBrokers = process.env.KAFKA_BROKERS;
    // The file's app, its test clients and its worker processes all read the broker from here.
    process.env.KAFKA_BROKERS = kafka.brokers.join(',');
  }, 240_000);

  afterAll(async () => {
    process.env.KAFKA_BROKERS = harnessBrokers;
    await kafka?.stop();
  });

  describe('with a worker process importing', () => {
    const workers: AppProcess[] = [];
    const suite = usePipelineSuite({ pieceSizeBytes, module: ApiAndProjectorModule, closeBeforeApp: () => killAll(workers) });

    it(`a broker that does not answer for ${outageMs / 1000} s: the job completes once, with every valid row exactly once`, async () => {
      const { pipeline } = suite;
      const broker = kafka?.pid;
      if (broker === undefined) throw new Error('the broker has no process id');
      const file = numberedCsv('broker', 60_000);
      const { jobId, destinationTopic } = await startNumberedJob(suite, 'broker', file);

      const worker = startChildWorker('worker');
      workers.push(worker);
      await eventually('the worker to settle a piece', async () => ((await tallyStream(pipeline.store, jobId)).settledPieces > 0 ? true : undefined), {
        timeoutMs: 90_000,
        explain: () => worker.recentOutput(),
      });
      process.kill(broker, 'SIGSTOP');
      try {
        const outageEnds = Date.now() + outageMs;
        await eventually('the outage to last', async () => (Date.now() >= outageEnds || !worker.running ? true : undefined), { timeoutMs: outageMs + 5_000, intervalMs: 200 });
        expect((await tallyStream(pipeline.store, jobId)).terminalEvents).toBe(0);
      } finally {
        process.kill(broker, 'SIGCONT');
      }

      await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file }, { timeoutMs: 240_000, explain: () => worker.recentOutput() });
      expect(worker.running).toBe(true);
    }, 400_000);

    itChecksEveryJobOfTheFile(suite);
  });
});
