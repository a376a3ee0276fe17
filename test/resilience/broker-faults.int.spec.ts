import { startKafka, type KafkaServer } from '../../tools/stack/kafka';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { eventually } from '../pipeline/support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { ApiAndProjectorModule, expectImportedExactlyOnce, killAll, numberedCsv, startChildWorker, startNumberedJob, tallyStream } from './support/resilience-app';

const pieceSizeBytes = 64 * 1024;
const freezeMs = 15_000;

interface Outage {
  readonly name: string;
  readonly tag: string;
  /** Plays the outage on `kafka`, running `whileDown` in it; resolves once the broker serves again. */
  readonly play: (kafka: KafkaServer, worker: AppProcess, whileDown: () => Promise<void>) => Promise<void>;
}

const outages: readonly Outage[] = [
  {
    name: `frozen (SIGSTOP) for ${freezeMs / 1000} s, longer than the workers' session, as in a long pause or a broken network`,
    tag: 'frozen',
    async play(kafka, worker, whileDown) {
      const broker = kafka.pid;
      if (broker === undefined) throw new Error('the broker has no process id');
      process.kill(broker, 'SIGSTOP');
      try {
        await whileDown();
        const outageEnds = Date.now() + freezeMs;
        await eventually('the outage to last', async () => (Date.now() >= outageEnds || !worker.running ? true : undefined), { timeoutMs: freezeMs + 5_000, intervalMs: 200 });
      } finally {
        process.kill(broker, 'SIGCONT');
      }
    },
  },
  {
    name: 'stopped (SIGTERM) and started again on the same ports and data, as in a rolling restart of a one-node cluster',
    tag: 'restarted',
    play: (kafka, _worker, whileDown) => kafka.restart(whileDown),
  },
];

/**
 * The broker goes away mid-job and comes back. It is a broker of this file's own, since the
 * harness's one serves every test file running at the same time.
 */
describe('the broker going away mid-job', () => {
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

    afterEach(() => killAll(workers));

    it.each(outages)('a broker $name: the job completes once, with every valid row exactly once', async ({ tag, play }) => {
      const { pipeline } = suite;
      if (kafka === undefined) throw new Error('the broker did not start');
      const file = numberedCsv(tag, 150_000);
      const { jobId, destinationTopic } = await startNumberedJob(suite, tag, file);

      const worker = startChildWorker(`worker (${tag})`);
      workers.push(worker);
      await eventually('the worker to settle a piece', async () => ((await tallyStream(pipeline.store, jobId)).settledPieces > 0 ? true : undefined), {
        timeoutMs: 90_000,
        explain: () => worker.recentOutput(),
      });
      // The job must still be running when the broker goes: the outage is mid-job.
      await play(kafka, worker, async () => expect((await tallyStream(pipeline.store, jobId)).terminalEvents).toBe(0));

      await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file }, { timeoutMs: 240_000, explain: () => worker.recentOutput() });
      expect(worker.running).toBe(true);
    }, 400_000);

    itChecksEveryJobOfTheFile(suite);
  });
});
