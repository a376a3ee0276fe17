import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AccessDeniedError,
  IdempotencyConflictError,
  IllegalStateError,
  NotFoundError,
  UploadAlreadyUsedError,
  UploadUnusableError,
  ValidationError,
} from '@import-jobs/domain';
import { ServiceQuotaExceededError } from '../access/access.errors';
import { InvalidRequestError } from '../request-import/request-import.errors';
import { isRefusal, ServiceRefusal, type Refusal } from '../shared/refusal';

/**
 * The kind of error, named after the seed APIs' exceptions: `BadRequest` is Pinpoint's
 * BadRequestException and Q Connect's ValidationException, `NotFound` their NotFoundException and
 * ResourceNotFoundException, and so on (README has the table).
 */
export type ErrorType =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'Conflict'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'ServiceQuotaExceeded'
  | 'InternalServerError'
  | 'ServiceUnavailable';

export interface ErrorDetail {
  readonly field: string;
  readonly message: string;
}

/**
 * The one shape of every 4xx and 5xx answer. `code` is the precise reason, the same one a
 * rejection event on the command topic carries; `errors` repeats it in Userpilot's shape.
 */
export interface ErrorBody {
  readonly type: ErrorType;
  readonly code: string;
  readonly message: string;
  /** One entry per offending field; empty when the error is not about a field. */
  readonly details: readonly ErrorDetail[];
  /** Also sent as the `x-request-id` header: quote it when reporting a problem. */
  readonly requestId: string;
  readonly errors: ReadonlyArray<{ readonly error: string; readonly error_code: string; readonly field?: string }>;
  /** The job the conflict is about: the one a client token, an upload or a destination is taken by. */
  readonly jobId?: string;
}

interface ErrorAnswer {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: string;
  readonly message: string;
  readonly details: readonly ErrorDetail[];
  readonly jobId?: string;
  readonly retryAfterSeconds?: number;
}

const typeByStatus: Readonly<Record<number, ErrorType>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

function statusOfRefusal(refusal: Refusal): number {
  if (refusal instanceof ServiceRefusal) return refusal.httpStatus;
  if (refusal instanceof ValidationError || refusal instanceof UploadUnusableError) return HttpStatus.BAD_REQUEST;
  if (refusal instanceof NotFoundError) return HttpStatus.NOT_FOUND;
  if (refusal instanceof AccessDeniedError) return HttpStatus.FORBIDDEN;
  if (refusal instanceof IdempotencyConflictError || refusal instanceof IllegalStateError || refusal instanceof UploadAlreadyUsedError) {
    return HttpStatus.CONFLICT;
  }
  return HttpStatus.UNPROCESSABLE_ENTITY;
}

function detailsOfRefusal(refusal: Refusal): readonly ErrorDetail[] {
  if (refusal instanceof InvalidRequestError) return refusal.problems;
  const field = 'field' in refusal ? refusal.field : undefined;
  return typeof field === 'string' ? [{ field, message: refusal.message }] : [];
}

function answerOfRefusal(refusal: Refusal): ErrorAnswer {
  const status = statusOfRefusal(refusal);
  const jobId = 'jobId' in refusal && typeof refusal.jobId === 'string' ? refusal.jobId : undefined;
  const retryAfterSeconds = refusal instanceof ServiceRefusal ? refusal.retryAfterSeconds : undefined;
  return {
    status,
    type: refusal instanceof ServiceQuotaExceededError ? 'ServiceQuotaExceeded' : (typeByStatus[status] ?? 'BadRequest'),
    code: refusal.code,
    message: refusal.message,
    details: detailsOfRefusal(refusal),
    ...(jobId !== undefined && { jobId }),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  };
}

/**
 * Errors that are not the service's refusals: Nest's own (an unknown route) and Fastify's (a body
 * that is not JSON, an unsupported content type) keep their 4xx status and message; anything else
 * is a 500 that says nothing of the service's insides.
 */
function answerOfOtherError(error: unknown): ErrorAnswer {
  const status = error instanceof HttpException ? error.getStatus() : statusCodeOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : `HTTP_${status}`;
    return { status, type: typeByStatus[status] ?? 'BadRequest', code, message: (error as Error).message, details: [] };
  }
  return { status: 500, type: 'InternalServerError', code: 'INTERNAL_ERROR', message: 'the service failed to answer; the request id names it in the logs', details: [] };
}

function statusCodeOf(error: unknown): number | undefined {
  const statusCode = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

export function errorAnswerOf(error: unknown): ErrorAnswer {
  return isRefusal(error) ? answerOfRefusal(error) : answerOfOtherError(error);
}

export function errorBodyOf(answer: ErrorAnswer, requestId: string): ErrorBody {
  const errors =
    answer.details.length > 0
      ? answer.details.map(({ field, message }) => ({ error: message.startsWith(field) ? message : `${field}: ${message}`, error_code: answer.code, field }))
      : [{ error: answer.message, error_code: answer.code }];
  return {
    type: answer.type,
    code: answer.code,
    message: answer.message,
    details: answer.details,
    requestId,
    errors,
    ...(answer.jobId !== undefined && { jobId: answer.jobId }),
  };
}

/**
 * Every HTTP error leaves in the one `ErrorBody` shape, from a route, a guard or Fastify itself
 * (Nest routes Fastify's errors here too). For the command topic, whose handlers inherit the app's
 * filters, it hands every error back unchanged: the transport itself decides between a rejection
 * event and a redelivery.
 */
@Catch()
export class RefusalFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const answer = errorAnswerOf(error);
    if (answer.status >= 500) this.logger.error(`${request.method} ${request.url} failed (request ${request.id})`, error instanceof Error ? error.stack : String(error));
    if (answer.retryAfterSeconds !== undefined) void reply.header('retry-after', String(answer.retryAfterSeconds));
    void reply.status(answer.status).send(errorBodyOf(answer, String(request.id)));
  }
}
