import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * Ports the kernel hands out as free on 127.0.0.1, all distinct: every listener is held open until
 * all are chosen. A server started on them should bind them promptly, as another process could take
 * one in the meantime.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
