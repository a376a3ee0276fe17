import { logLevel } from 'kafkajs';
import { kafkajsLogCreator, type MessagingLogEntry } from './log';

/** Hands one line to the log creator as kafkajs would, and says at which level it came out. */
function levelOf(level: logLevel, message: string, details: Record<string, unknown> = {}): MessagingLogEntry['level'] | undefined {
  const entries: MessagingLogEntry[] = [];
  kafkajsLogCreator((entry) => entries.push(entry))(logLevel.WARN)({ namespace: 'Test', level, label: 'ERROR', log: { message, timestamp: '', ...details } });
  return entries[0]?.level;
}

describe("kafkajs's log lines", () => {
  it.each([
    // What a healthy first start of a one-broker cluster printed at level 50 before.
    ['a topic not led yet', logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', { error: 'This server does not host this topic-partition' }],
    ['a coordinator not elected yet', logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' }],
    ['a coordinator loading', logLevel.ERROR, 'Response JoinGroup(key: 11, version: 5)', { error: "The coordinator is loading and hence can't process requests for this group" }],
    ['a leader moving', logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' }],
    ['a rebalance', logLevel.WARN, 'The group is rebalancing, re-joining', { groupId: 'g' }],
  ])('are debug when kafkajs retries them itself: %s', (_, level, message, details) => {
    expect(levelOf(level, message, details)).toBe('debug');
  });

  it.each([
    ['a consumer that crashed', logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Topic authorization failed', {}, 'error'],
    ['an error kafkajs does not retry', logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'The request included a message larger than the max message size the server will accept' }, 'error'],
    ['a warning of its own', logLevel.WARN, 'Response without match', {}, 'warn'],
  ])('keep their level otherwise: %s', (_, level, message, details, expected) => {
    expect(levelOf(level, message, details)).toBe(expected);
  });
});
