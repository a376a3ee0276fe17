// The ports and the codec only: nothing here loads kafkajs. The composition root builds the Kafka
// implementation from '@import-jobs/messaging/kafkajs'.
export { exactlyOnceBatchHandler, replaceOutput, transactionalIdFor, type ExactlyOnceOptions, type OutputReplacement } from './exactly-once';
export {
  jsonMessageCodec,
  type DecodeFailureReason,
  type DecodeResult,
  type JsonMessageCodec,
  type JsonObject,
  type ShapeChecks,
  type VersionedJsonMessage,
} from './json-message';
export { offsetAfter, positionKey, type IncomingMessage, type OutgoingMessage } from './messages';
export { MessagingError } from './messaging-error';
export type {
  BatchContext,
  BatchHandler,
  CommittedOffset,
  ConsumedOffset,
  ConsumerHandler,
  ConsumerOptions,
  ConsumerRun,
  MessageBatch,
  MessageConsumer,
  MessageContext,
  MessageHandler,
  MessageProducer,
  Messaging,
  MessagingAdmin,
  TopicSpec,
  Transaction,
  TransactionalProducer,
} from './ports';
export { maxQuotedValueBytes, quoted, quoteMessage, sendDeadLetter, type DeadLetter, type QuotedMessage } from './dead-letters';
