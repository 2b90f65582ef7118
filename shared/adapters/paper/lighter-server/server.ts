/**
 * A local Lighter (zkLighter perp DEX) REST protocol server (127.0.0.1, any free port) in front of the paper
 * engine, as `binance-server/` and `okx-server/` are for their venues: the unmodified ccxt `lighter` client
 * reads markets, candles, the book, balances and positions from it, and a Lighter client sends it signed
 * txs (`sendTx`) and reads its orders and trades with an auth token. REST only, no WebSocket.
 *
 * Routes (all under `/api/v1/` but the status route `/`):
 *   public:  GET /, orderBookDetails, orderBookOrders, candles, assetDetails, account, accountsByL1Address,
 *            nextNonce; POST sendTx (tx types 14 CreateOrder, 15 CancelOrder, 16 CancelAllOrders,
 *            20 UpdateLeverage)
 *   private: GET accountActiveOrders, accountInactiveOrders, trades (auth token)
 *   anything else: 404 `{ code: 404, message: "not found" }`.
 * Point ccxt at it with `exchange.urls.api = server.ccxtApiUrls()`.
 *
 * Lighter keeps one net position per market: `start()` puts every configured engine account in one-way
 * mode. The engine quotes in USDT; its USDT wallet is reported as the account's USDC collateral.
 *
 * Deliberate simplifications (each explained where it is made): tx signatures and auth-token signatures
 * are checked for shape, not verified (`routes-tx.ts`, `accounts.ts`); txs execute synchronously and a
 * refusal is answered with its code (`routes-tx.ts`); order expiry and a stop's worst price are not
 * enforced, limit stops and TWAP are refused (`tx-exec.ts`); the book is the engine's synthetic top
 * (`routes-public.ts`); trade rows name a made-up counterparty (`format.ts`).
 *
 * Entry points: `createPaperLighterServer(engine, options)`, then `start()`, `ccxtApiUrls()`, `stop()`;
 * `failNext` for injected failures; `statusCounts`; `venue` for tests that look inside.
 * Invariants: a refused, malformed or fault-injected request leaves the engine untouched, and only an
 * accepted tx consumes its nonce.
 */
import type { Server } from 'node:http';
import type { PaperExchange } from '../engine.js';
import { PaperApiError } from '../errors.js';
import { closeHttp, listenLocal, localHttpServer } from '../protocol-http.js';
import { type LighterAccountSpec, LighterAccounts } from './accounts.js';
import { type LighterMarketSpec, LighterMarkets } from './markets.js';
import {
  handleLighterRequest,
  type LighterInjectedFault,
  type LighterPipelineDeps,
  type LighterRoute,
  type OnRequest,
} from './router.js';
import { accountRoutes } from './routes-account.js';
import { publicRoutes } from './routes-public.js';
import { txRoutes } from './routes-tx.js';
import { LighterVenue } from './venue.js';

export type { LighterAccountSpec } from './accounts.js';
export type { LighterMarketSpec } from './markets.js';

export interface LighterServerOptions {
  readonly accounts: readonly LighterAccountSpec[];
  /** Default: ETH = market 0 → ETHUSDT, BTC = market 1 → BTCUSDT (those the engine hosts). */
  readonly markets?: readonly LighterMarketSpec[] | undefined;
  /** The nonce every (account, api key) starts at (default 1000). */
  readonly firstNonce?: number | undefined;
  /** The engine's default leverage, for `default_initial_margin_fraction` (default 20, the engine's). */
  readonly defaultLeverage?: number | undefined;
  readonly onRequest?: OnRequest | undefined;
}

export class PaperLighterServer {
  readonly venue: LighterVenue;
  readonly statusCounts = new Map<number, number>();
  private readonly http: Server;
  private readonly faultQueue: LighterInjectedFault[] = [];
  private port = 0;

  constructor(
    readonly engine: PaperExchange,
    private readonly options: LighterServerOptions,
  ) {
    const markets = new LighterMarkets(engine, options.markets);
    const accounts = new LighterAccounts(engine, options.accounts, options.firstNonce ?? 1000);
    this.venue = new LighterVenue(engine, markets, accounts);
    const routes = new Map<string, LighterRoute>();
    for (const r of [
      ...publicRoutes(this.venue, { defaultLeverage: options.defaultLeverage ?? 20 }),
      ...txRoutes(this.venue),
      ...accountRoutes(this.venue),
    ])
      routes.set(`${r.method} ${r.path}`, r);
    const deps: LighterPipelineDeps = {
      routes,
      faults: this.faultQueue,
      statusCounts: this.statusCounts,
      now: () => engine.clock.now(),
      onRequest: options.onRequest,
    };
    this.http = localHttpServer((req, res) => {
      void handleLighterRequest(deps, req, res);
    });
  }

  /** Puts the accounts in one-way mode, then listens. */
  async start(): Promise<this> {
    for (const a of this.options.accounts) {
      try {
        this.engine.setPositionMode(a.account, false);
      } catch (err) {
        // -4059: already one-way.
        if (!(err instanceof PaperApiError) || err.code !== -4059)
          throw new Error(`lighter server: cannot put ${a.account} in one-way mode: ${String(err)}`);
      }
    }
    this.port = await listenLocal(this.http);
    return this;
  }

  async stop(): Promise<void> {
    await closeHttp(this.http);
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `urls.api` for ccxt `lighter` (it builds `<public|private>/api/v1/<path>`, and `<public>` for status). */
  ccxtApiUrls(): { root: string; public: string; private: string } {
    return { root: this.httpUrl, public: this.httpUrl, private: this.httpUrl };
  }

  /** Answer the next `times` requests of `route` (e.g. `POST /api/v1/sendTx`; every route when undefined). */
  failNext(route: string | undefined, fault: { status: number; body?: unknown }, times = 1): void {
    this.faultQueue.push({ route, status: fault.status, body: fault.body, remaining: times });
  }

  clearFaults(): void {
    this.faultQueue.length = 0;
  }
}

export function createPaperLighterServer(
  engine: PaperExchange,
  options: LighterServerOptions,
): PaperLighterServer {
  return new PaperLighterServer(engine, options);
}
