// The service's own topics and the messages its processes send each other on them.
export { DEFAULT_TOPIC_PREFIX, importJobTopics, type ImportJobTopics } from './topics';
export { pieceResultCodec, pieceWorkItemCodec, type PieceResult, type PieceWorkItem } from './import-job-messages';
