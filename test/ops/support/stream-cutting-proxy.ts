import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const progressPath = /^\/v1\/imports\/[^/?]+\/progress(\?|$)/;

/**
 * An HTTP proxy in front of the API that forwards every request, except that it holds the first
 * progress stream after its first event (forwarding nothing more on it) until the test cuts it,
 * so that the test can cut it once the client has that event, whatever the timing of the job.
 */
export class StreamCuttingProxy {
  /** The headers of every progress stream request, in order. */
  readonly progressRequests: IncomingHttpHeaders[] = [];
  private held: { response: ServerResponse; upstream: { destroy(): void } } | undefined;
  private cut = false;
  private readonly sockets = new Set<Socket>();
  private heldEventId: (id: string) => void = () => undefined;
  /** The id of the event the held stream forwarded last. */
  readonly holding: Promise<string> = new Promise((resolve) => (this.heldEventId = resolve));

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<StreamCuttingProxy> {
    const server = createServer();
    const proxy = new StreamCuttingProxy(server, new URL(target));
    server.on('request', (incoming, response) => {
      const isProgress = incoming.method === 'GET' && progressPath.test(incoming.url ?? '');
      if (isProgress) proxy.progressRequests.push(incoming.headers);
      const upstream = request(new URL(incoming.url ?? '/', proxy.target), { method: incoming.method, headers: incoming.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        if (isProgress && !proxy.cut && proxy.held === undefined) proxy.holdAfterFirstEvent(answer, response, upstream);
        else answer.pipe(response);
      });
      upstream.on('error', () => response.destroy());
      incoming.pipe(upstream);
    });
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Drops the held stream's connection, as a network failure would, mid-answer. */
  cutHeldStream(): void {
    if (!this.held) throw new Error('no progress stream is held');
    this.cut = true;
    this.held.response.socket?.destroy();
    this.held.upstream.destroy();
    this.held = undefined;
  }

  async stop(): Promise<void> {
    this.held?.upstream.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private holdAfterFirstEvent(answer: NodeJS.ReadableStream, response: ServerResponse, upstream: { destroy(): void }): void {
    let text = '';
    let forwarded = 0;
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      // An event ends at a blank line; the first one with an id is the one to hold after.
      for (let end = text.indexOf('\n\n', forwarded); end !== -1; end = text.indexOf('\n\n', forwarded)) {
        const block = text.slice(forwarded, end);
        response.write(text.slice(forwarded, end + 2));
        forwarded = end + 2;
        const id = /^id: ?(.*)$/m.exec(block)?.[1];
        if (id !== undefined) {
          answer.removeListener('data', onData);
          answer.pause();
          this.held = { response, upstream };
          this.heldEventId(id);
          return;
        }
      }
    };
    answer.on('data', onData);
  }
}
