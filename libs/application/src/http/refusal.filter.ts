import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import type { FastifyReply } from 'fastify';
import { IdempotencyConflictError, IllegalStateError, NotFoundError, ValidationError } from '@import-jobs/domain';
import { TooManyRequestsError, UnauthorizedError } from '../access/access.errors';
import { BucketNotAllowedError, InvalidRequestError, PayloadTooLargeError } from '../request-import/request-import.errors';
import { isRefusal, type Refusal } from '../shared/refusal';

/** One error shape for every refusal: our `code` and `message`, plus Userpilot's `errors` list. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly errors: ReadonlyArray<{ readonly error: string; readonly error_code: string; readonly field?: string }>;
  readonly jobId?: string;
}

export function httpStatusOf(refusal: Refusal): number {
  if (refusal instanceof UnauthorizedError) return HttpStatus.UNAUTHORIZED;
  if (refusal instanceof PayloadTooLargeError) return HttpStatus.PAYLOAD_TOO_LARGE;
  if (refusal instanceof TooManyRequestsError) return HttpStatus.TOO_MANY_REQUESTS;
  if (refusal instanceof InvalidRequestError || refusal instanceof ValidationError) return HttpStatus.BAD_REQUEST;
  if (refusal instanceof BucketNotAllowedError) return HttpStatus.FORBIDDEN;
  if (refusal instanceof NotFoundError) return HttpStatus.NOT_FOUND;
  if (refusal instanceof IdempotencyConflictError || refusal instanceof IllegalStateError) return HttpStatus.CONFLICT;
  return HttpStatus.UNPROCESSABLE_ENTITY;
}

export function errorBodyOf(refusal: Refusal): ErrorBody {
  const fields =
    refusal instanceof InvalidRequestError
      ? refusal.problems
      : refusal instanceof ValidationError || refusal instanceof BucketNotAllowedError
        ? [{ field: refusal.field, message: refusal.message }]
        : [];
  const errors =
    fields.length > 0
      ? fields.map(({ field, message }) => ({ error: message.startsWith(field) ? message : `${field}: ${message}`, error_code: refusal.code, field }))
      : [{ error: refusal.message, error_code: refusal.code }];
  return {
    code: refusal.code,
    message: refusal.message,
    errors,
    ...(refusal instanceof IdempotencyConflictError && { jobId: refusal.jobId }),
  };
}

/**
 * Over HTTP, maps what the service refuses to 4xx answers and leaves everything else to Nest (a
 * 500). For the command topic, whose handlers inherit the app's filters, it hands every error back
 * unchanged: the transport itself decides between a rejection event and a redelivery.
 */
@Catch()
export class RefusalFilter extends BaseExceptionFilter {
  override catch(error: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    if (!isRefusal(error)) return super.catch(error, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(httpStatusOf(error)).send(errorBodyOf(error));
  }
}
