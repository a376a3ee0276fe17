/** A source names a bucket that configuration does not let jobs read (no request may widen it). */
export class BucketNotAllowedError extends Error {
  readonly code = 'BUCKET_NOT_ALLOWED';

  constructor(
    readonly field: string,
    readonly bucket: string,
  ) {
    super(`${field}: bucket "${bucket}" is not one this service may read`);
    this.name = 'BucketNotAllowedError';
  }
}

/** The request's shape is wrong: every problem, each naming its field. */
export class InvalidRequestError extends Error {
  readonly code = 'VALIDATION_FAILED';

  constructor(readonly problems: ReadonlyArray<{ readonly field: string; readonly message: string }>) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
    this.name = 'InvalidRequestError';
  }
}

/** An upload over the configured size: Pinpoint's PayloadTooLarge, a 413. */
export class PayloadTooLargeError extends Error {
  readonly code = 'PAYLOAD_TOO_LARGE';

  constructor(maxBytes: number) {
    super(`file: the upload is larger than the ${maxBytes} bytes allowed`);
    this.name = 'PayloadTooLargeError';
  }
}
