import { createHash } from 'node:crypto';
import { ImportProjectorAppModule } from '../../apps/import-projector/src/import-projector.module';
import { ImportWorkerAppModule } from '../../apps/import-worker/src/import-worker.module';
import type { INestApplicationContext } from '@nestjs/common';
import { startBackgroundApp } from '@import-jobs/wiring/bootstrap';
import { startKafka, type KafkaServer } from '../../tools/stack/kafka';
import { eventually } from '../pipeline/support/deadline';
import { startPipelineApp, type PipelineApp } from '../pipeline/support/pipeline-app';

interface Probe {
  readonly status: number;
  readonly body: { status: string; error?: Record<string, { status: string; message?: string }> };
}

async function probe(url: string): Promise<Probe> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Probe['body'] };
}

/** Polls a probe until it answers `status`; the last answer explains a timeout. */
async function probeUntil(url: string, status: number, timeoutMs = 90_000): Promise<Probe> {
  let last: Probe | undefined;
  return eventually(`${url} to answer ${status}`, async () => {
    last = await probe(url).catch(() => undefined);
    return last?.status === status ? last : undefined;
  }, { timeoutMs, intervalMs: 500, explain: () => `Last answer: ${JSON.stringify(last)}` });
}

describe('health probes', () => {
  // A broker of this file's own: stopping the run's shared one would fail every other test file.
  let kafka: KafkaServer | undefined;
  let pipeline: PipelineApp | undefined;
  const background: Array<{ app: INestApplicationContext; url: string }> = [];
  const harnessBrokers = process.env.KAFKA_BROKERS;

  beforeAll(async () => {
    kafka = await startKafka();
    process.env.KAFKA_BROKERS = kafka.brokers.join(',');
    // With API keys configured, so that the probes are seen to need none.
    pipeline = await startPipelineApp({ pieceSizeBytes: 4096, apiKeys: `ops-tenant:${createHash('sha256').update('ops-key').digest('hex')}` });
  });

  afterAll(async () => {
    await Promise.all(background.map(({ app }) => app.close()));
    await pipeline?.app.close();
    await kafka?.stop();
    process.env.KAFKA_BROKERS = harnessBrokers;
  });

  it('is live and ready while every dependency answers, and names each', async () => {
    const live = await probe(`${pipeline!.url}/health/live`);
    const ready = await probeUntil(`${pipeline!.url}/health/ready`, 200);

    expect(live).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) });
    expect((await fetch(`${pipeline!.url}/v1/imports`)).status).toBe(401);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: { kafka: { status: 'up' }, postgresql: { status: 'up' }, 'event-store': { status: 'up' }, s3: { status: 'up' } },
    });
  });

  it.each([
    ['worker', ImportWorkerAppModule],
    ['projector', ImportProjectorAppModule],
  ])('serves health and metrics from the %s app too, over HTTP and without an API key', async (_name, module) => {
    // The settings the pipeline app left in process.env: the same broker, database and schemas.
    const { app, url } = await startBackgroundApp(module, { logDestination: pipeline!.log });
    background.push({ app, url: url! });

    expect((await probe(`${url}/health/live`)).status).toBe(200);
    expect((await probeUntil(`${url}/health/ready`, 200)).body.status).toBe('ok');
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('import_jobs_consumer_lag');
    expect((await fetch(`${url}/v1/imports`)).status).toBe(404);
  });

  it('is not ready while the broker is stopped, stays live, and is ready again once it returns, in every app', async () => {
    const urls = [pipeline!.url, ...background.map(({ url }) => url)];
    expect(urls).toHaveLength(3);
    const [brokerPort, controllerPort] = kafka!.ports;
    await kafka!.stop();
    kafka = undefined;

    for (const down of await Promise.all(urls.map((url) => probeUntil(`${url}/health/ready`, 503)))) {
      expect(down.body).toMatchObject({ status: 'error', error: { kafka: { status: 'down' } } });
      expect(Object.keys(down.body.error ?? {})).toEqual(['kafka']);
    }
    for (const url of urls) expect((await probe(`${url}/health/live`)).status).toBe(200);

    kafka = await startKafka({ ports: [brokerPort, controllerPort] });
    for (const back of await Promise.all(urls.map((url) => probeUntil(`${url}/health/ready`, 200)))) expect(back.body.status).toBe('ok');
  });
});
