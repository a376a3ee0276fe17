import { EventStoreError, EventStoreUnavailableError } from '../errors';

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// 57P01-03: the server is shutting down or starting up; 53300: too many connections.
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);
// node-postgres reports a dropped socket or a pool timeout with a plain Error and no code.
const driverMessages = /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed/;

interface DriverError {
  readonly message: string;
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly detail?: unknown;
}

/**
 * Duck-typed rather than `instanceof Error`: socket errors come from Node's own realm, which is not
 * the caller's under jest's module sandbox.
 */
function asDriverError(error: unknown): DriverError | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string' ? (error as DriverError) : undefined;
}

/** Turns driver failures into the port's errors; anything unexpected passes through untouched. */
export function translatePostgresError(error: unknown): unknown {
  const driverError = asDriverError(error);
  if (error instanceof EventStoreError || driverError === undefined) return error;
  const code = typeof driverError.code === 'string' ? driverError.code : '';
  const unavailable = networkCodes.has(code) || code.startsWith('08') || unavailableStates.has(code) || driverMessages.test(driverError.message);
  return unavailable ? new EventStoreUnavailableError(`PostgreSQL is unavailable: ${driverError.message}`, { cause: error }) : error;
}

/** The first clashing key of a unique violation of `constraint` (PostgreSQL names one), or undefined. */
export function uniqueViolationKey(error: unknown, constraint: string): string | undefined {
  const driverError = asDriverError(error);
  if (driverError?.code !== '23505' || driverError.constraint !== constraint) return undefined;
  const detail = typeof driverError.detail === 'string' ? driverError.detail : '';
  return /\(.*\)=\((.*)\) already exists/.exec(detail)?.[1] ?? '';
}
