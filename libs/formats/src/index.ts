export { CsvHeaderError, defaultMaxCsvHeaderBytes, validateCsvHeader } from './csv/csv-header';
export { readCsvRowBatches, readCsvRows, utf8Of, type CsvReadOptions } from './csv/read-csv-rows';
export { detectDelimiter, detectEncoding, dialectSampleBytes, settleFileDialect, type CsvFileDialect } from './csv/detect-dialect';
export { toFailureReportCsv } from './failure-report';
export { findSplits, type Split, type SplitOptions, type SplitPlan } from './find-splits';
export { CorruptGzipError, DecompressedSizeLimitError, gunzipChunks, type GunzipOptions } from './gzip';
export { defaultMaxNestingDepth } from './ndjson/json-limits';
export { readNdjsonRowBatches, readNdjsonRows, type NdjsonReadOptions } from './ndjson/read-ndjson-rows';
export { keyOf, type RecordKey } from './record-key';
export {
  defaultMaxRawChars,
  defaultMaxRecordBytes,
  type RowFailureResult,
  type RowLimitOptions,
  type RowRecord,
  type RowResult,
  truncateText,
  truncationMarker,
} from './row-result';
export { compileRowValidator, InvalidRowSchemaError, maxSchemaDepth, type RowValidator, type RowValidatorOptions } from './validation';
export { RecordTooLongToSplitError, splitsWithBytes, type SplitBytes } from './split-bytes';
