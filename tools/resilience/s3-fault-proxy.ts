import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type S3Fault = 'slow-down' | 'cut-mid-body';

/**
 * An HTTP proxy in front of the real S3 server that spoils requests as told: S3's own throttling
 * answer (503 SlowDown), or a response cut off half-way through its body. The faults S3 shows under
 * load, which a local server never does. Each request that `appliesTo` takes the next entry of
 * `faults` (undefined: passed through untouched); other requests always pass.
 */
export class S3FaultProxy {
  readonly faults: Array<S3Fault | undefined> = [];
  /** Requests received, and those of them that `appliesTo`. */
  requests = 0;
  matching = 0;
  /** Faults served so far. */
  injected = 0;

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
    private readonly appliesTo: (request: IncomingMessage) => boolean,
  ) {}

  static async start(upstream: URL, appliesTo: (request: IncomingMessage) => boolean = () => true): Promise<S3FaultProxy> {
    const server = createServer();
    const proxy = new S3FaultProxy(server, upstream, appliesTo);
    server.on('request', (request, response) => proxy.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests++;
    const applies = this.appliesTo(request);
    if (applies) this.matching++;
    const fault = applies ? this.faults.shift() : undefined;
    if (fault !== undefined) this.injected++;
    if (fault === 'slow-down') {
      request.resume();
      response.writeHead(503, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    const forwarded = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: request.method, path: request.url, headers: request.headers },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        if (fault !== 'cut-mid-body') {
          upstreamResponse.pipe(response);
          return;
        }
        const cutAfter = Math.floor(Number(upstreamResponse.headers['content-length']) / 2);
        let sent = 0;
        upstreamResponse.on('data', (chunk: Buffer) => {
          const part = chunk.subarray(0, Math.max(0, cutAfter - sent));
          if (part.length === 0) return;
          sent += part.length;
          if (sent < cutAfter) {
            response.write(part);
            return;
          }
          upstreamResponse.destroy();
          response.write(part, () => response.socket?.destroy());
        });
      },
    );
    forwarded.on('error', () => response.socket?.destroy());
    request.pipe(forwarded);
  }
}
