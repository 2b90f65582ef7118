/**
 * A TCP proxy on 127.0.0.1 that can black-hole its traffic, as a dead network path does: while the hole
 * is open nothing is forwarded in either direction and nothing is closed (no FIN, no RST). Connections that
 * were in the hole stay dead after it closes (their bytes are gone); new connections work again. The
 * client has to notice by itself (watchdog, request timeout) and reconnect.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  blackhole(on: boolean): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let hole = false;
  let accepted = 0;
  const live = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    const conn = { client, upstream, dead: hole };
    live.add(conn);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (hole) conn.dead = true;
        if (!conn.dead && !to.destroyed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      live.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    // A black-holed path carries no close either: only the client's own give-up ends it.
    client.on('close', end);
    client.on('error', end);
    upstream.on('close', () => {
      if (!conn.dead) end();
    });
    upstream.on('error', () => {
      if (!conn.dead) end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    blackhole(on) {
      hole = on;
      if (on) for (const c of live) c.dead = true;
    },
    async stop() {
      for (const c of live) {
        c.client.destroy();
        c.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
