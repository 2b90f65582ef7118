/**
 * The WebSocket side of the protocol server. Market connections (`/ws`, `/public/ws`, `/market/ws`, and
 * combined `/stream?streams=a/b`) subscribe with Binance's `SUBSCRIBE` / `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS`
 * requests; user-data connections open with a listen key (`/private/ws?listenKey=K`, `/ws/K`).
 *
 * Entry points: `attach` (take over HTTP upgrades), `publishMarket(stream, payload)`,
 * `publishUser(account, payload)`, `closeUser(account | key)`, `dropAll`, and the fault hooks
 * (`dropNextUserEvents`, `duplicateNextUserEvents`).
 * Invariant: a user event goes only to sockets opened with a live key of that account, in publish order.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { UserEventFaults } from '../protocol-http.js';

interface MarketConn {
  readonly socket: WebSocket;
  readonly combined: boolean;
  readonly streams: Set<string>;
}

interface UserConn {
  readonly socket: WebSocket;
  readonly account: string;
  readonly key: string;
}

export interface WsHubDeps {
  /** The account of a live listen key, or null. */
  accountOfKey(key: string): string | null;
}

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly market = new Set<MarketConn>();
  private readonly users = new Set<UserConn>();
  private readonly userFaults = new UserEventFaults();
  /** Market messages sent, for benchmarks and tests. */
  marketSent = 0;

  constructor(private readonly deps: WsHubDeps) {}

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // `/ws`, `/public/ws/0`, `/market/stream`, `/private/ws?listenKey=K`, `/ws/<listenKey>`; ccxt appends a
    // small stream index to market URLs, while listen keys are long.
    const match = /^\/(?:(?:public|market|private)\/)?(ws|stream)(?:\/([A-Za-z0-9]+))?$/.exec(url.pathname);
    if (!match) {
      socket.write('HTTP/1.1 404 Not Found\r\n\r\n');
      socket.destroy();
      return;
    }
    const segment = match[2];
    const key = url.searchParams.get('listenKey') ?? (segment && segment.length >= 32 ? segment : null);
    if (key !== null) {
      const account = this.deps.accountOfKey(key);
      if (!account) {
        socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.openUser(ws, account, key));
      return;
    }
    const combined = match[1] === 'stream';
    const initial = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s.length > 0);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.openMarket(ws, combined, initial));
  }

  /** User-data sockets open for `account` (tests wait for a client's stream to be live before acting). */
  userStreamsOf(account: string): number {
    let n = 0;
    for (const c of this.users) if (c.account === account) n++;
    return n;
  }

  private openUser(socket: WebSocket, account: string, key: string): void {
    const conn: UserConn = { socket, account, key };
    this.users.add(conn);
    socket.on('close', () => this.users.delete(conn));
    socket.on('error', () => this.users.delete(conn));
    // Clients may send pings or subscription requests on the user socket; answer requests with an empty result.
    socket.on('message', (data) => this.answerRequest(socket, data.toString(), null));
  }

  private openMarket(socket: WebSocket, combined: boolean, initial: string[]): void {
    const conn: MarketConn = { socket, combined, streams: new Set(initial.map((s) => s.toLowerCase())) };
    this.market.add(conn);
    socket.on('close', () => this.market.delete(conn));
    socket.on('error', () => this.market.delete(conn));
    socket.on('message', (data) => this.answerRequest(socket, data.toString(), conn));
  }

  private answerRequest(socket: WebSocket, text: string, conn: MarketConn | null): void {
    let req: { method?: unknown; params?: unknown; id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      socket.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' }, id: null }));
      return;
    }
    const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
    const params = Array.isArray(req.params)
      ? req.params.filter((p): p is string => typeof p === 'string')
      : [];
    if (req.method === 'SUBSCRIBE' && conn) {
      for (const p of params) conn.streams.add(p.toLowerCase());
      socket.send(JSON.stringify({ result: null, id }));
    } else if (req.method === 'UNSUBSCRIBE' && conn) {
      for (const p of params) conn.streams.delete(p.toLowerCase());
      socket.send(JSON.stringify({ result: null, id }));
    } else if (req.method === 'LIST_SUBSCRIPTIONS' && conn) {
      socket.send(JSON.stringify({ result: [...conn.streams], id }));
    } else if (req.method === 'SUBSCRIBE' || req.method === 'UNSUBSCRIBE') {
      socket.send(JSON.stringify({ result: null, id }));
    } else {
      socket.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id }));
    }
  }

  /** Sends a market payload to every connection subscribed to `stream` (e.g. `btcusdt@bookTicker`). */
  publishMarket(stream: string, payload: unknown): void {
    const name = stream.toLowerCase();
    let plain: string | null = null;
    let wrapped: string | null = null;
    for (const conn of this.market) {
      if (!conn.streams.has(name) || conn.socket.readyState !== conn.socket.OPEN) continue;
      if (conn.combined) {
        wrapped ??= JSON.stringify({ stream: name, data: payload });
        conn.socket.send(wrapped);
      } else {
        plain ??= JSON.stringify(payload);
        conn.socket.send(plain);
      }
      this.marketSent += 1;
    }
  }

  hasMarketSubscribers(stream: string): boolean {
    const name = stream.toLowerCase();
    for (const conn of this.market) if (conn.streams.has(name)) return true;
    return false;
  }

  publishUser(account: string, payload: unknown): void {
    const copies = this.userFaults.copies();
    if (copies === 0) return;
    const text = JSON.stringify(payload);
    for (const conn of this.users) {
      if (conn.account !== account || conn.socket.readyState !== conn.socket.OPEN) continue;
      for (let i = 0; i < copies; i++) conn.socket.send(text);
    }
  }

  /** Sends a final message (e.g. `listenKeyExpired`) to the sockets of `key`, then closes them. */
  closeKey(key: string, last?: unknown): void {
    for (const conn of [...this.users]) {
      if (conn.key !== key) continue;
      if (last !== undefined && conn.socket.readyState === conn.socket.OPEN)
        conn.socket.send(JSON.stringify(last));
      conn.socket.close(1000, 'listenKey closed');
      this.users.delete(conn);
    }
  }

  /** Cuts user-data sockets abruptly (no close frame), as a network drop would. */
  dropUser(account?: string): number {
    let n = 0;
    for (const conn of [...this.users]) {
      if (account !== undefined && conn.account !== account) continue;
      conn.socket.terminate();
      this.users.delete(conn);
      n++;
    }
    return n;
  }

  dropMarket(): number {
    const n = this.market.size;
    for (const conn of [...this.market]) conn.socket.terminate();
    this.market.clear();
    return n;
  }

  userConnections(account?: string): number {
    let n = 0;
    for (const conn of this.users) if (account === undefined || conn.account === account) n++;
    return n;
  }

  /** Fault hooks: the next `n` user events are silently lost / delivered twice. */
  dropNextUserEvents(n: number): void {
    this.userFaults.dropNext(n);
  }
  duplicateNextUserEvents(n: number): void {
    this.userFaults.duplicateNext(n);
  }

  async close(): Promise<void> {
    this.dropUser();
    this.dropMarket();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
