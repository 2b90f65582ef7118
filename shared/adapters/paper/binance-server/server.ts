/**
 * A local Binance USD-M protocol server (REST + WebSocket on 127.0.0.1, any free port) for tests and the
 * simulator, so the unmodified ccxt `binanceusdm` client and its pro WebSocket client can trade against
 * the paper engine. Point ccxt at it with `ccxtApiUrls()` (merged into `exchange.urls.api`).
 *
 * Entry points: `BinanceServer` (`start`, `stop`, `ccxtApiUrls`, `hub` for publishing stream messages,
 * `faults` for injected failures, `expireListenKeys`), `createBinanceServer` (with the engine routes).
 * Invariants: every signed request is authenticated before it can change state; a 429 or an injected
 * failure (unless marked apply-then-fail) leaves the engine untouched.
 */
import type { IncomingMessage, Server } from 'node:http';
import { closeHttp, listenLocal, localHttpServer } from '../protocol-http.js';
import { LISTEN_KEY_TTL_MS, ListenKeys } from './listen-keys.js';
import { WeightLimiter } from './rate-limit.js';
import {
  type ApiKeyEntry,
  handleRequest,
  type InjectedFault,
  type PipelineDeps,
  type Route,
} from './router.js';
import { publicInfoRoutes } from './routes-public.js';
import { listenKeyRoutes } from './routes-stream.js';
import { WsHub } from './ws-hub.js';

export interface BinanceServerOptions {
  /** The exchangeInfo body to serve (the real fixture, as the engine hosts it). */
  readonly exchangeInfo: () => unknown;
  /** The secret and account of an API key. */
  readonly lookupKey: (apiKey: string) => ApiKeyEntry | undefined;
  /** Server clock in ms (the engine's clock when serving paper trading). */
  readonly now?: (() => number) | undefined;
  readonly weightLimitPerMinute?: number | undefined;
  readonly weightWindowMs?: number | undefined;
  readonly recvWindowMs?: number | undefined;
  /** Check `timestamp` / `recvWindow` (-1021); turn off when the server runs on a virtual clock. */
  readonly checkTimestamps?: boolean | undefined;
  readonly listenKeyTtlMs?: number | undefined;
  /** Routes backed by the engine (orders, account, market data). */
  readonly routes?: readonly Route[] | undefined;
  /** Every request seen, for request-capture assertions. */
  readonly onRequest?: ((method: string, path: string, params: URLSearchParams) => void) | undefined;
}

export class BinanceServer {
  readonly hub: WsHub;
  readonly listenKeys: ListenKeys;
  readonly limiter: WeightLimiter;
  private readonly http: Server;
  private readonly routes = new Map<string, Route>();
  private readonly faultQueue: InjectedFault[] = [];
  /** Responses sent, per HTTP status (e.g. how many 429s a client provoked). */
  readonly statusCounts = new Map<number, number>();
  private readonly now: () => number;
  private expiryTimer: ReturnType<typeof setInterval> | null = null;
  private port = 0;

  constructor(opts: BinanceServerOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.listenKeys = new ListenKeys(opts.listenKeyTtlMs ?? LISTEN_KEY_TTL_MS);
    this.limiter = new WeightLimiter(opts.weightLimitPerMinute ?? 2400, opts.weightWindowMs ?? 60_000);
    this.hub = new WsHub({ accountOfKey: (key) => this.listenKeys.accountOf(key, this.now()) });
    const all = [
      ...publicInfoRoutes(opts.exchangeInfo),
      ...listenKeyRoutes(this.listenKeys, (key) => this.hub.closeKey(key)),
      ...(opts.routes ?? []),
    ];
    for (const r of all) this.routes.set(`${r.method} ${r.path}`, r);
    const deps: PipelineDeps = {
      routes: this.routes,
      lookupKey: opts.lookupKey,
      limiter: this.limiter,
      now: this.now,
      faults: this.faultQueue,
      statusCounts: this.statusCounts,
      orderCounts: {
        tenSeconds: new WeightLimiter(Number.MAX_SAFE_INTEGER, 10_000),
        minute: new WeightLimiter(Number.MAX_SAFE_INTEGER, 60_000),
      },
      recvWindowMs: opts.recvWindowMs,
      checkTimestamps: opts.checkTimestamps,
      onRequest: opts.onRequest,
    };
    this.http = localHttpServer((req, res) => {
      void handleRequest(deps, req, res);
    });
    this.hub.attach(this.http);
  }

  async start(): Promise<this> {
    this.port = await listenLocal(this.http);
    this.expiryTimer = setInterval(() => this.expireListenKeys(), 1_000);
    this.expiryTimer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    await this.hub.close();
    await closeHttp(this.http);
  }

  /**
   * Sees every request and stream upgrade before it is served (who called, from which address): how the
   * proxy tests show each account's traffic came through its proxy.
   */
  tap(listener: (req: IncomingMessage) => void): void {
    this.http.prependListener('request', listener);
    this.http.prependListener('upgrade', listener);
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** `urls.api` entries that send ccxt `binanceusdm` (REST and pro streams) here. */
  ccxtApiUrls(): Record<string, unknown> {
    const fapi = `${this.httpUrl}/fapi`;
    return {
      fapiPublic: `${fapi}/v1`,
      fapiPublicV2: `${fapi}/v2`,
      fapiPublicV3: `${fapi}/v3`,
      fapiPrivate: `${fapi}/v1`,
      fapiPrivateV2: `${fapi}/v2`,
      fapiPrivateV3: `${fapi}/v3`,
      fapiData: `${this.httpUrl}/futures/data`,
      ws: { future: this.wsUrl },
    };
  }

  /** Sends `listenKeyExpired` and closes the streams of every key whose time ran out. */
  expireListenKeys(): number {
    const now = this.now();
    const expired = this.listenKeys.expired(now);
    for (const { key } of expired) this.hub.closeKey(key, { e: 'listenKeyExpired', E: now, listenKey: key });
    return expired.length;
  }

  /** Expires the account's active listen key now (as if an hour passed without a keep-alive). */
  expireListenKeyOf(account: string): boolean {
    const key = this.listenKeys.activeKey(account);
    if (!key) return false;
    this.listenKeys.expireNow(key, this.now());
    this.expireListenKeys();
    return true;
  }

  readonly faults = {
    /** Fail the next `times` requests (optionally of one route, e.g. `POST /fapi/v1/order`). */
    failNext: (fault: Omit<InjectedFault, 'remaining'> & { times?: number }): void => {
      this.faultQueue.push({ ...fault, remaining: fault.times ?? 1 });
    },
    /** Hold the next `times` requests (of one route, e.g. `POST /fapi/v1/listenKey`) `delayMs`, then answer them. */
    holdNext: (hold: { route?: string; delayMs: number; times?: number }): void => {
      this.faultQueue.push({ ...hold, status: 200, slowOnly: true, remaining: hold.times ?? 1 });
    },
    clear: (): void => {
      this.faultQueue.length = 0;
    },
    dropUserStreams: (account?: string): number => this.hub.dropUser(account),
    dropMarketStreams: (): number => this.hub.dropMarket(),
    dropNextUserEvents: (n: number): void => this.hub.dropNextUserEvents(n),
    duplicateNextUserEvents: (n: number): void => this.hub.duplicateNextUserEvents(n),
  };
}
