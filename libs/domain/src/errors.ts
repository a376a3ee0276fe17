/**
 * The few ways a command can be refused. Each carries a literal `code` that callers map to a
 * transport answer (HTTP status, rejection event) without parsing messages.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command's content is wrong whatever the state: a 400 with the offending field. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export type IllegalStateCode =
  | 'JOB_NOT_PLANNING'
  | 'JOB_NOT_PLANNED'
  | 'JOB_ALREADY_FINISHED'
  | 'JOB_FINISHING'
  | 'JOB_CANCELLING'
  | 'JOB_NOT_FINISHING'
  | 'PLAN_ALREADY_RECORDED'
  | 'JOB_NOT_CANCELLING'
  | 'UPLOAD_ALREADY_RECEIVED';

/** The command makes no sense in the job's current status: a 409. */
export class IllegalStateError extends DomainError {
  constructor(
    readonly code: IllegalStateCode,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export type NotFoundCode = 'JOB_NOT_FOUND' | 'PIECE_NOT_FOUND' | 'UPLOAD_NOT_FOUND';

export class NotFoundError extends DomainError {
  constructor(
    readonly code: NotFoundCode,
    message: string,
  ) {
    super(message);
  }
}

/** The same client token was used for a different request: Q Connect's ConflictException. */
export class IdempotencyConflictError extends DomainError {
  readonly code = 'IDEMPOTENCY_CONFLICT';

  constructor(readonly jobId: string) {
    super(`clientToken was already used for job ${jobId} with a different request`);
  }
}

export type UploadUnusableCode = 'UPLOAD_EXPIRED' | 'UPLOAD_NOT_READY';

/** An upload that cannot be imported as it stands: expired, or its bytes never arrived. A 400. */
export class UploadUnusableError extends DomainError {
  readonly field = 'uploadId';

  constructor(
    readonly code: UploadUnusableCode,
    message: string,
  ) {
    super(message);
  }
}

/** An upload is imported once; another request naming it is a conflict that names the job. */
export class UploadAlreadyUsedError extends DomainError {
  readonly code = 'UPLOAD_ALREADY_USED';
  readonly field = 'uploadId';

  constructor(
    readonly uploadId: string,
    readonly jobId: string,
  ) {
    super(`upload ${uploadId} was already imported by job ${jobId}; start a new upload to import again`);
  }
}
