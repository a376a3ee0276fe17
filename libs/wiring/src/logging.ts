import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule, type PinoLogger } from 'nestjs-pino';
import pino, { type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogLevel } from '@import-jobs/application/config/service-config';
import type { Log } from '@import-jobs/application/shared/log';

/** The header a caller may name its request by; the service answers with it, or with the id it made up. */
export const requestIdHeader = 'x-request-id';

/**
 * Fastify's `genReqId`: the caller's `x-request-id` when it is a sane token (it ends up in every log
 * line of the request, so nothing that could forge a line), a UUID otherwise. Fastify keeps it as
 * `request.id`; pino-http finds it on the raw request, where Fastify's middleware layer copies it.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[requestIdHeader];
  return typeof given === 'string' && /^[\w.:@/+=-]{1,128}$/.test(given) ? given : randomUUID();
}

/** JSON lines for machines; colours and one line per entry for a person at a terminal. */
export function defaultLogDestination(): DestinationStream {
  return process.stdout.isTTY ? pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : pino.destination({ dest: 1, sync: false });
}

/** Probes and scrapes: frequent, tenant-less and uninteresting line by line. */
export const isOperationsPath = (url: string | undefined): boolean => /^\/(health|metrics)(\/|$|\?)/.test(url ?? '');

/**
 * nestjs-pino over pino-http: one log line per finished request (probes and scrapes excepted), and
 * every line logged while serving a request carries its `requestId`.
 */
export function loggingModule(level: LogLevel | undefined, destination: DestinationStream = defaultLogDestination()): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: [
      {
        // A person at a terminal wants what needs attention; a log collector wants every request.
        level: level ?? (process.stdout.isTTY ? 'warn' : 'info'),
        quietReqLogger: true,
        customAttributeKeys: { reqId: 'requestId' },
        autoLogging: { ignore: (request) => isOperationsPath(request.url) },
        // The request line says what was asked and how it ended; headers (an API key among them) stay out.
        serializers: {
          req: (request: { method: string; url: string }) => ({ method: request.method, url: request.url }),
          res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
        },
      },
      destination,
    ],
  });
}

/**
 * The application's Log port on pino: the fields become the line's own JSON keys (`jobId`,
 * `pieceId`, …), and inside a request the line also carries the request's id. Without the logging
 * module (a bare application context) it falls back to Nest's logger.
 */
export function serviceLog(pinoLogger: PinoLogger | undefined): Log {
  if (pinoLogger === undefined) return nestLog('import-jobs');
  pinoLogger.setContext('import-jobs');
  return {
    debug: (message, fields) => pinoLogger.debug({ ...fields }, message),
    info: (message, fields) => pinoLogger.info({ ...fields }, message),
    warn: (message, fields) => pinoLogger.warn({ ...fields }, message),
    error: (message, fields) => pinoLogger.error({ ...fields }, message),
  };
}

function nestLog(context: string): Log {
  const logger = new Logger(context);
  const line = (message: string, fields?: Record<string, unknown>) => (fields ? `${message} ${JSON.stringify(fields)}` : message);
  return {
    debug: (message, fields) => logger.debug(line(message, fields)),
    info: (message, fields) => logger.log(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    error: (message, fields) => logger.error(line(message, fields)),
  };
}
