import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { statusPageCss, statusPageHtml } from './status-page.html';
import { statusPageScript } from './status-page.script';

/** Only the page's own files; the API it calls is the same origin, and a report link is a plain link. */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const files: ReadonlyArray<readonly [path: string, contentType: string, body: string]> = [
  ['/ui', 'text/html; charset=utf-8', statusPageHtml],
  ['/ui/', 'text/html; charset=utf-8', statusPageHtml],
  ['/ui/status-page.js', 'text/javascript; charset=utf-8', statusPageScript],
  ['/ui/status-page.css', 'text/css; charset=utf-8', statusPageCss],
];

/**
 * Serves the status page at `/ui`. Its files hold no tenant's data, so they are routes of the HTTP
 * server itself, outside the controllers that the tenant guard protects: the page asks for the API
 * key and sends it with each call it makes.
 */
@Injectable()
export class StatusPage implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (server === undefined) return;
    for (const [path, contentType, body] of files) {
      server.get(path, (_request, reply) =>
        reply
          .header('content-type', contentType)
          .header('content-security-policy', contentSecurityPolicy)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-cache')
          .send(body),
      );
    }
  }
}
