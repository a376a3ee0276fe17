import type { IHeaders, KafkaMessage, TopicMessages } from 'kafkajs';
import type { IncomingMessage, OutgoingMessage } from '../messages';

/** Groups records by topic for kafkajs's sendBatch, keeping their order within each topic. */
export function toTopicMessages(messages: readonly OutgoingMessage[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const { topic, key, value, headers } of messages) {
    let topicMessages = byTopic.get(topic);
    if (!topicMessages) {
      topicMessages = { topic, messages: [] };
      byTopic.set(topic, topicMessages);
    }
    topicMessages.messages.push({ key: key ?? null, value, headers });
  }
  return [...byTopic.values()];
}

export function fromKafkajsMessage(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers: headersOf(message.headers),
    timestamp: new Date(Number(message.timestamp)),
  };
}

// Kafka allows a header name more than once and kafkajs then gives an array; like Java's
// `lastHeader`, the last value wins. fromEntries, unlike assignment, keeps a header named
// "__proto__" as plain data.
function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).flatMap(([name, value]) => {
      const last = Array.isArray(value) ? value.at(-1) : value;
      return last === undefined ? [] : [[name, last.toString()]];
    }),
  );
}
