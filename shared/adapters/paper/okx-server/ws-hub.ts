/**
 * The WebSocket side of the OKX protocol server: `/ws/v5/public` (bbo-tbt, trades, mark-price, tickers),
 * `/ws/v5/private` (login; orders, positions, account) and `/ws/v5/business` (login; orders-algo, candles),
 * as OKX splits them since its 2023 URL change.
 *
 * Protocol: text `ping` → `pong`; `{op:"login",args:[{apiKey,passphrase,timestamp,sign}]}` →
 * `{event:"login",code:"0",msg:"",connId}`; `{op:"subscribe",args:[{channel,instId|instType}]}` →
 * `{event:"subscribe",arg,connId}` per argument, or `{event:"error",code,msg,connId}` (60011 not logged in,
 * 60018 unknown channel, 64001 / 64002 wrong URL for the channel). Pushes are `{arg:{channel,...},data:[…]}`.
 *
 * Entry points: `attach`, `publishPublic`, `publishPrivate`, `dropUser`, `dropMarket`, fault hooks.
 * Invariant: a private push goes only to sockets logged in with a key of that account and subscribed to
 * the channel (by `instType` ANY / SWAP or by `instId`), in publish order.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { UserEventFaults } from '../protocol-http.js';
import { authenticateWs, type OkxKey } from './auth.js';

type Kind = 'public' | 'private' | 'business';

interface Conn {
  readonly socket: WebSocket;
  readonly kind: Kind;
  readonly connId: string;
  account: string | null;
  /** `channel|instId` or `channel|#instType`, with the argument the client sent. */
  readonly subs: Map<string, Record<string, unknown>>;
}

const PUBLIC_CHANNELS = new Set(['bbo-tbt', 'trades', 'mark-price', 'tickers', 'funding-rate']);
const PRIVATE_CHANNELS = new Set(['orders', 'positions', 'account']);
const BUSINESS_PRIVATE = new Set(['orders-algo']);

function urlKindOf(channel: string): Kind | null {
  if (PUBLIC_CHANNELS.has(channel)) return 'public';
  if (PRIVATE_CHANNELS.has(channel)) return 'private';
  if (BUSINESS_PRIVATE.has(channel) || channel.startsWith('candle')) return 'business';
  return null;
}

export interface OkxWsDeps {
  lookupKey(apiKey: string): OkxKey | undefined;
  now(): number;
  readonly checkTimestamps: boolean;
}

export class OkxWsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private readonly userFaults = new UserEventFaults();
  /** Public messages sent, for benchmarks and tests. */
  marketSent = 0;
  /** Fault hook: private subscriptions take effect, and are acknowledged, this long after they are asked. */
  privateSubscribeHoldMs = 0;

  constructor(private readonly deps: OkxWsDeps) {}

  /**
   * Fault hook: an error event with no request id on `account`'s private sockets (OKX sends such for a
   * request it cannot parse); the sockets stay open. Returns how many got it.
   */
  privateError(account: string, code: string, msg: string): number {
    const sockets = this.#privateOf(account);
    for (const c of sockets) this.error(c, code, msg);
    return sockets.length;
  }

  /** Private sockets logged in for `account`, subscribed or not. */
  loggedIn(account: string): number {
    return this.#privateOf(account).length;
  }

  #privateOf(account: string): Conn[] {
    return [...this.conns].filter((c) => c.kind === 'private' && c.account === account);
  }

  /**
   * Sockets logged in for `account` and subscribed to its positions (tests wait for a client's stream to
   * be live before acting: a push before the subscription is not delivered, as on OKX).
   */
  userStreamsOf(account: string): number {
    let n = 0;
    for (const c of this.conns)
      if (c.account === account && [...c.subs.keys()].some((k) => k.startsWith('positions|'))) n++;
    return n;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const m = /^\/ws\/v5\/(public|private|business)$/.exec(path);
      if (!m) {
        socket.write('HTTP/1.1 404 Not Found\r\n\r\n');
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, m[1] as Kind));
    });
  }

  private open(socket: WebSocket, kind: Kind): void {
    const conn: Conn = {
      socket,
      kind,
      connId: randomBytes(4).toString('hex'),
      account: null,
      subs: new Map(),
    };
    this.conns.add(conn);
    socket.on('close', () => this.conns.delete(conn));
    socket.on('error', () => this.conns.delete(conn));
    socket.on('message', (data) => this.onMessage(conn, data.toString()));
  }

  private send(conn: Conn, payload: unknown): void {
    if (conn.socket.readyState === conn.socket.OPEN)
      conn.socket.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  private error(conn: Conn, code: string, msg: string): void {
    this.send(conn, { event: 'error', code, msg, connId: conn.connId });
  }

  private onMessage(conn: Conn, text: string): void {
    if (text === 'ping') {
      this.send(conn, 'pong');
      return;
    }
    let req: { op?: unknown; args?: unknown; id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      this.error(conn, '60012', `Illegal request: ${text.slice(0, 200)}`);
      return;
    }
    const args = Array.isArray(req.args) ? (req.args as Record<string, unknown>[]) : [];
    const id = typeof req.id === 'string' ? { id: req.id } : {};
    switch (req.op) {
      case 'login': {
        if (conn.kind === 'public') {
          this.error(conn, '60012', 'Illegal request: login on the public URL');
          return;
        }
        const key = authenticateWs(
          args[0] ?? {},
          this.deps.lookupKey,
          this.deps.now(),
          this.deps.checkTimestamps,
        );
        if ('code' in key) {
          this.error(conn, key.code, key.msg);
          return;
        }
        conn.account = key.account;
        this.send(conn, { event: 'login', code: '0', msg: '', connId: conn.connId, ...id });
        return;
      }
      case 'subscribe':
      case 'unsubscribe': {
        const op = req.op;
        const apply = () => {
          for (const arg of args) this.subscription(conn, op, arg, id);
        };
        if (op === 'subscribe' && conn.kind === 'private' && this.privateSubscribeHoldMs > 0)
          setTimeout(apply, this.privateSubscribeHoldMs);
        else apply();
        return;
      }
      default:
        this.error(conn, '60012', `Illegal request: ${text.slice(0, 200)}`);
    }
  }

  private subscription(
    conn: Conn,
    op: 'subscribe' | 'unsubscribe',
    arg: Record<string, unknown>,
    id: Record<string, unknown>,
  ): void {
    const channel = typeof arg.channel === 'string' ? arg.channel : '';
    const kind = urlKindOf(channel);
    if (kind === null) {
      this.error(
        conn,
        '60018',
        `Wrong URL or channel:${channel},instId:${String(arg.instId ?? '')} doesn't exist.`,
      );
      return;
    }
    if (kind !== conn.kind) {
      if (kind === 'business')
        this.error(conn, '64001', 'This channel has been migrated to the business URL.');
      else this.error(conn, '64002', `This channel is not supported by ${conn.kind} URL.`);
      return;
    }
    if (kind !== 'public' && !channel.startsWith('candle') && conn.account === null) {
      this.error(conn, '60011', 'Please log in');
      return;
    }
    const key = `${channel}|${typeof arg.instId === 'string' ? arg.instId : `#${String(arg.instType ?? '')}`}`;
    if (op === 'subscribe') conn.subs.set(key, arg);
    else conn.subs.delete(key);
    this.send(conn, { event: op, arg, connId: conn.connId, ...id });
  }

  /** A public push on `channel` for one instrument. */
  publishPublic(channel: string, instId: string, data: readonly unknown[]): void {
    const key = `${channel}|${instId}`;
    let text: string | null = null;
    for (const conn of this.conns) {
      if (!conn.subs.has(key)) continue;
      text ??= JSON.stringify({ arg: { channel, instId }, data });
      this.send(conn, text);
      this.marketSent += 1;
    }
  }

  hasPublicSubscribers(channel: string, instId: string): boolean {
    for (const conn of this.conns) if (conn.subs.has(`${channel}|${instId}`)) return true;
    return false;
  }

  /**
   * One engine event's private pushes for an account, delivered together (dropped or duplicated together
   * by the fault hooks). Each push: channel, the instrument it concerns, rows.
   */
  publishPrivate(
    account: string,
    pushes: readonly { channel: string; instId: string | null; data: readonly unknown[] }[],
  ): void {
    if (pushes.length === 0) return;
    const copies = this.userFaults.copies();
    if (copies === 0) return;
    for (const conn of this.conns) {
      if (conn.account !== account) continue;
      for (const push of pushes) {
        const arg =
          (push.instId ? conn.subs.get(`${push.channel}|${push.instId}`) : undefined) ??
          conn.subs.get(`${push.channel}|#ANY`) ??
          conn.subs.get(`${push.channel}|#SWAP`) ??
          conn.subs.get(`${push.channel}|#`);
        if (!arg) continue;
        const text = JSON.stringify({ arg: { ...arg, uid: account }, data: push.data });
        for (let i = 0; i < copies; i++) this.send(conn, text);
      }
    }
  }

  /** Cuts an account's logged-in sockets abruptly (no close frame), as a network drop would. */
  dropUser(account?: string): number {
    let n = 0;
    for (const conn of [...this.conns]) {
      if (conn.account === null || (account !== undefined && conn.account !== account)) continue;
      conn.socket.terminate();
      this.conns.delete(conn);
      n++;
    }
    return n;
  }

  dropMarket(): number {
    let n = 0;
    for (const conn of [...this.conns]) {
      if (conn.kind !== 'public') continue;
      conn.socket.terminate();
      this.conns.delete(conn);
      n++;
    }
    return n;
  }

  userConnections(account?: string): number {
    let n = 0;
    for (const c of this.conns)
      if (c.account !== null && (account === undefined || c.account === account)) n++;
    return n;
  }

  dropNextUserEvents(n: number): void {
    this.userFaults.dropNext(n);
  }
  duplicateNextUserEvents(n: number): void {
    this.userFaults.duplicateNext(n);
  }

  async close(): Promise<void> {
    for (const conn of [...this.conns]) conn.socket.terminate();
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
