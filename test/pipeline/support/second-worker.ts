import type { S3Client } from '@aws-sdk/client-s3';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { S3_CONNECTION } from '@import-jobs/wiring/infrastructure.module';
import type { Messaging } from '@import-jobs/messaging';
import { ImportWorkerAppModule } from '../../../apps/import-worker/src/import-worker.module';
import { eventually } from './deadline';
import type { PipelineApp } from './pipeline-app';

export interface SecondWorker {
  readonly app: INestApplicationContext;
  readonly s3: S3Client;
}

/**
 * Starts the import-worker app (piece workers and result recorder, no API or subscriptions) beside
 * the file's all-in-one app, with the same settings from process.env, so that it joins the same
 * consumer groups. Resolves once its piece worker has joined the group and been given partitions:
 * the app's `Messaging` is wrapped as Nest creates it, to learn when that consumer's `run` resolves.
 */
export async function startSecondWorker({ topics, log }: PipelineApp): Promise<SecondWorker> {
  let joined = false;
  const app = await NestFactory.createApplicationContext(ImportWorkerAppModule, {
    abortOnError: false,
    instrument: {
      instanceDecorator: (instance) =>
        isMessaging(instance)
          ? noticingJoin(instance, topics.pieces, () => {
              joined = true;
            })
          : instance,
    },
  });
  await eventually('the second worker to join the piece-workers group', async () => (joined ? true : undefined), {
    explain: () => log.recentProblems(),
  });
  return { app, s3: app.get<S3Client>(S3_CONNECTION) };
}

function isMessaging(instance: unknown): instance is Messaging {
  const candidate = instance as Partial<Messaging> | null;
  return typeof candidate?.createConsumer === 'function' && typeof candidate.close === 'function' && candidate.transactions !== undefined;
}

function noticingJoin(messaging: Messaging, topic: string, onJoined: () => void): Messaging {
  return {
    ...messaging,
    createConsumer: (options) => {
      const consumer = messaging.createConsumer(options);
      return {
        run: async (run) => {
          await consumer.run(run);
          if (run.topics.includes(topic)) onJoined();
        },
        stop: () => consumer.stop(),
        finished: consumer.finished,
      };
    },
  };
}

/** A GetObject the client sent: which object, and which bytes of it. */
export interface ObjectRead {
  readonly key: string;
  readonly range: string | undefined;
}

/**
 * Notes every GetObject a client sends for `bucket` (every request of any kind, with
 * `anyCommand`), without changing it. The client is the real one, talking to the real server: this
 * only tells which process read which bytes.
 */
export function recordObjectReads(s3: S3Client, bucket: string, { anyCommand = false } = {}): ObjectRead[] {
  const reads: ObjectRead[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string; Range?: string };
      const counted = anyCommand || (context.commandName === 'GetObjectCommand' && input.Key !== undefined);
      if (counted && input.Bucket === bucket) reads.push({ key: input.Key ?? '', range: input.Range });
      return next(args);
    },
    { step: 'initialize', name: `pipeline-test-object-reads-${bucket}` },
  );
  return reads;
}
