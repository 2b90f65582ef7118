/**
 * The HTTP plumbing both local protocol servers (`binance-server/`, `okx-server/`) share: a server on
 * 127.0.0.1 at any free port, the raw request body, the injected-fault queue, and a clean stop.
 *
 * Entry points: `localHttpServer`, `listenLocal`, `closeHttp`, `readBody`, `takeFault`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server whose idle keep-alive outlives a test's pauses between calls. */
export function localHttpServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const http = createServer(handle);
  http.keepAliveTimeout = 30_000;
  return http;
}

/** Listens on 127.0.0.1 at a free port; resolves with the port. */
export async function listenLocal(http: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  return (http.address() as AddressInfo).port;
}

/** Closes every connection, then the server. */
export async function closeHttp(http: Server): Promise<void> {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Takes one use of the first queued fault for `routeKey` (or for every route), dropping it when spent. */
export function takeFault<F extends { readonly route?: string | undefined; remaining: number }>(
  faults: F[],
  routeKey: string,
): F | null {
  const i = faults.findIndex((f) => f.remaining > 0 && (f.route === undefined || f.route === routeKey));
  if (i < 0) return null;
  const fault = faults[i]!;
  fault.remaining -= 1;
  if (fault.remaining <= 0) faults.splice(i, 1);
  return fault;
}

/** Fault hooks of a user stream: the next `n` events are silently lost, or delivered twice. */
export class UserEventFaults {
  private dropping = 0;
  private duplicating = 0;

  dropNext(n: number): void {
    this.dropping += n;
  }

  duplicateNext(n: number): void {
    this.duplicating += n;
  }

  /** How many copies of the next event to send: 0 (dropped), 1, or 2 (duplicated). */
  copies(): 0 | 1 | 2 {
    if (this.dropping > 0) {
      this.dropping -= 1;
      return 0;
    }
    if (this.duplicating > 0) {
      this.duplicating -= 1;
      return 2;
    }
    return 1;
  }
}
