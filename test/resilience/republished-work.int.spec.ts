import { pieceWorkItemCodec } from '@import-jobs/application/messages';
import { ensureAppBuilt, type AppProcess } from '../../tools/resilience/app-process';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from '../pipeline/support/pipeline-suite';
import { createDestinationTopic, TopicReader } from '../pipeline/support/topics';
import { amountSchema, ApiAndProjectorModule, expectImportedExactlyOnce, killAll, numberedCsv, startChildWorker } from './support/resilience-app';

const pieceSizeBytes = 64 * 1024;

/**
 * A planner that stops after publishing a job's work items and before its checkpoint moves
 * publishes them all again when it restarts. Both copies of each work item then wait on the pieces
 * topic, and a worker takes the second right after committing the first, before the first one's
 * result can have been recorded in the job's stream.
 */
describe('work items published twice', () => {
  const workers: AppProcess[] = [];
  // No turns: the test waits for every work item of the plan on the topic and publishes them again, so the whole plan goes out at once.
  const suite = usePipelineSuite({ pieceSizeBytes, maxPiecesOutPerJob: 10_000, module: ApiAndProjectorModule, closeBeforeApp: () => killAll(workers) });

  beforeAll(async () => {
    await ensureAppBuilt();
  }, 200_000);

  it('imports each piece once: the destination holds every valid row exactly once', async () => {
    const { api, messaging, sources, jobIds, pipeline } = suite;
    const file = numberedCsv('twice', 20_000);
    const url = await sources.put('twice.csv', file.body);
    const destinationTopic = await createDestinationTopic(messaging, 'twice');
    const pieces = await TopicReader.start(messaging, pipeline.topics.pieces);
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id', schema: amountSchema });
    jobIds.push(jobId);
    const { pieces: planned } = await api.waitForStatus(jobId, 'Processing');

    const published = await pieces.waitFor(`the ${planned.total} work items of job ${jobId}`, (messages) => {
      const ofJob = messages.filter((message) => {
        const decoded = pieceWorkItemCodec.decode(message.value);
        return decoded.ok && decoded.message.jobId === jobId;
      });
      return ofJob.length === planned.total ? ofJob : undefined;
    });
    await messaging.producer.send(published.map(({ key, value }) => ({ topic: pipeline.topics.pieces, key, value: value?.toString('utf8') ?? null })));

    workers.push(startChildWorker('worker'));
    expect(planned.total).toBeGreaterThan(5);
    await expectImportedExactlyOnce(suite, { jobId, destinationTopic, file });
  }, 300_000);

  itChecksEveryJobOfTheFile(suite);
});
