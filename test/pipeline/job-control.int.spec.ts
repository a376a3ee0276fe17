import { Module } from '@nestjs/common';
import { InfrastructureModule } from '@import-jobs/wiring/infrastructure.module';
import { ApiModule } from '@import-jobs/wiring/api.module';
import { ProjectorModule } from '@import-jobs/wiring/projector.module';
import { cityFile } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { startSecondWorker, type SecondWorker } from './support/second-worker';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

/**
 * The api and the projector without workers: a job's pieces wait on the pieces topic until a test
 * starts a worker, so that a cancel lands while the job is processing, never after it finished.
 */
@Module({ imports: [InfrastructureModule, ApiModule, ProjectorModule] })
class WithoutWorkersAppModule {}

const pieceSizeBytes = 2048;

describe('job control: cancel over HTTP and Kafka, and the job history', () => {
  let worker: SecondWorker | undefined;
  const suite = usePipelineSuite({ pieceSizeBytes, module: WithoutWorkersAppModule, closeBeforeApp: () => stopWorker() });

  async function stopWorker(): Promise<void> {
    await worker?.app.close();
    worker = undefined;
  }

  async function processingJob(tag: string): Promise<{ jobId: string; destinationTopic: string }> {
    const { api, messaging, sources, jobIds } = suite;
    const url = await sources.put(`${tag}.csv`, cityFile(tag, 150).body);
    const destinationTopic = await createDestinationTopic(messaging, tag);
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const job = await api.waitForStatus(jobId, 'Processing');
    expect(job.pieces.total).toBeGreaterThan(1);
    return { jobId, destinationTopic };
  }

  it('cancels a processing job over HTTP: 204, Cancelling until the workers settle its pieces, then Cancelled with nothing published', async () => {
    const { api, messaging, pipeline } = suite;
    const { jobId, destinationTopic } = await processingJob('cancel-http');

    expect((await api.cancel(jobId)).status).toBe(204);
    // The answer only says the cancel was accepted; the read model shows it a moment later.
    await api.waitForStatus(jobId, 'Cancelling');
    expect((await api.cancel(jobId)).status).toBe(204);

    worker = await startSecondWorker(pipeline);
    const job = await api.waitUntilFinished(jobId);

    expect(job).toMatchObject({ status: 'Cancelled', rows: { processed: 0, imported: 0 }, statuses: { qConnect: 'DELETED' } });
    expect(job.pieces.cancelled).toBe(job.pieces.total);
    expect(await readCommittedUntilNow(messaging, destinationTopic)).toEqual([]);
    await stopWorker();
  });

  it('cancels a processing job sent CancelImport on the command topic', async () => {
    const { api, messaging, pipeline } = suite;
    const { jobId } = await processingJob('cancel-kafka');

    await messaging.producer.send([
      { topic: pipeline.topics.commands, key: jobId, value: JSON.stringify({ type: 'CancelImport', version: 1, jobId, reason: 'no longer needed' }) },
    ]);
    await api.waitForStatus(jobId, 'Cancelling');
    worker = await startSecondWorker(pipeline);

    expect(await api.waitUntilFinished(jobId)).toMatchObject({ status: 'Cancelled' });
  });

  it('refuses to cancel a job that does not exist (404) or has completed (409), and keeps the history of every job', async () => {
    const { api, sources, messaging, jobIds } = suite;
    worker ??= await startSecondWorker(suite.pipeline);
    const url = await sources.put('complete.csv', cityFile('complete', 30).body);
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic: await createDestinationTopic(messaging, 'complete') });
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);

    expect((await api.cancel('no-such-job')).status).toBe(404);
    const refused = await api.cancel(jobId);
    expect(refused).toMatchObject({ status: 409, body: { code: 'JOB_ALREADY_FINISHED' } });

    const { status, body } = await api.history(jobId);
    expect(status).toBe(200);
    const types = body.events.map((event) => event.type);
    expect(types).toEqual([
      'ImportRequested',
      'ImportPlanningStarted',
      'PiecesPlanned',
      'ImportPlanned',
      ...Array.from({ length: job.pieces.total }, () => 'PieceCompleted'),
      'ImportCompleting',
      'ImportCompleted',
    ]);
    expect(body.events.map((event) => event.sequence)).toEqual(types.map((_, index) => index));
    const rows = body.events.reduce((sum, event) => sum + ((event.data as { rowsProcessed?: number }).rowsProcessed ?? 0), 0);
    expect(rows).toBe(job.rows.processed);
    expect((await api.history('no-such-job')).status).toBe(404);
  });

  itChecksEveryJobOfTheFile(suite);
});
