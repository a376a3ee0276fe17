export { createKafkaMessaging, type KafkaMessagingConfig } from './kafka-messaging';
export type { MessagingLog, MessagingLogEntry } from './log';
