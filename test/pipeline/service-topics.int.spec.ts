import { type Messaging, type TopicSpec } from '@import-jobs/messaging';
import { importJobTopics } from '@import-jobs/application/messages';
import { createKafkaMessaging } from '@import-jobs/messaging/kafkajs';
import { harnessEnv } from '../harness/env';
import { randomSuffix } from './support/random-suffix';

/**
 * Every app creates the service's topics as it starts (InfrastructureModule.onModuleInit), and
 * several start at once: an all-in-one app beside worker apps, or one per jest worker when the int
 * suites run in parallel. A start must not fail because the broker has not yet listed the topics
 * it has just created.
 */
describe("the service's topics, created as apps start", () => {
  const clients: Messaging[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  it('are created for three deployments starting at once', async () => {
    const deployments = Array.from({ length: 3 }, () => {
      const client = createKafkaMessaging({ brokers: harnessEnv('KAFKA_BROKERS').split(','), clientId: `pipeline-test-topics-${randomSuffix()}`, log: () => undefined });
      clients.push(client);
      return { client, topics: serviceTopics(`pipeline-test.topics.${randomSuffix()}`) };
    });

    const outcomes = await Promise.allSettled(deployments.map(({ client, topics }) => client.admin.createTopics(topics)));

    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? 'created' : (outcome.reason as Error).message))).toEqual(deployments.map(() => 'created'));
  });
});

/** The topics and partition counts InfrastructureModule creates with the default settings. */
function serviceTopics(prefix: string): TopicSpec[] {
  const { commands, commandRejections, pieces, pieceResults, jobEvents } = importJobTopics(prefix);
  return [commands, commandRejections, pieces, pieceResults, jobEvents].map((name) => ({ name, partitions: name === pieces ? 12 : 3, replicationFactor: 1 }));
}
