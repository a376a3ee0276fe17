export { FailureListWriteError } from './piece-failure-list';
export { defaultPieceLimits, failureListLocation, processPiece, type PieceLimits, type PieceProcessorDeps } from './piece-processor';
export { startPieceWorker, type PieceWorker, type PieceWorkerOptions } from './piece-worker';
export { RowValidators } from './row-validators';
