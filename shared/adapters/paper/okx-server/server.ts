/**
 * A local OKX v5 protocol server (REST + WebSocket on 127.0.0.1, any free port) in front of the paper
 * engine, as `binance-server/` is for Binance USD-M: the unmodified ccxt `okx` client (REST and pro) trades
 * against it. Point ccxt at it with `ccxtApiUrls()` (`{ rest, ws }`, merged into `exchange.urls.api`).
 *
 * Public pushes: `bbo-tbt`, `trades`, `tickers` (on each trade), `mark-price`, `candle1m`.
 *
 * Entry points: `createPaperOkxServer(engine, options)`, then `start()`, `ccxtApiUrls()`, `stop()`; `faults`
 * for injected failures; `venue` for what the routes share.
 * Invariants: every private request is authenticated before it can change state; a 429 or an injected
 * failure (unless apply-then-fail) leaves the engine untouched; an account's pushes reach its logged-in
 * sockets in the engine's order; an engine stream cut drops the account's sockets and its events meanwhile
 * (REST keeps them, so a client that resyncs recovers them, as on OKX).
 */
import type { Server } from 'node:http';
import { fmt } from '../../../domain/money.js';
import type { PaperExchange } from '../engine.js';
import type { FeedSubscription } from '../event-hub.js';
import { closeHttp, listenLocal, localHttpServer } from '../protocol-http.js';
import type { AccountEvent, MarketEvent } from '../types.js';
import type { OkxKey } from './auth.js';
import { algoRow, candleRow, orderRow, posSideOf } from './format.js';
import { type OkxInstrument, OkxInstruments } from './instruments.js';
import { handleOkxRequest, type OkxInjectedFault, type OkxPipelineDeps, type OkxRoute } from './router.js';
import { accountRoutes } from './routes-account.js';
import { tradeRoutes } from './routes-trade.js';
import { OkxVenueState } from './venue.js';
import { OkxWsHub } from './ws-hub.js';

export interface OkxServerOptions {
  readonly instruments?: OkxInstruments | undefined;
  /** The passphrase of an account's API key (default `paper-passphrase-<account id>`). */
  readonly passphraseOf?: ((accountId: string) => string) | undefined;
  /** Check `OK-ACCESS-TIMESTAMP` against the engine clock (off when the engine runs on a virtual clock). */
  readonly checkTimestamps?: boolean | undefined;
  /** OKX limits requests per 2 s; tests shorten the window or scale the limits down. */
  readonly rateWindowMs?: number | undefined;
  readonly limitScale?: number | undefined;
  readonly onRequest?:
    | ((method: string, path: string, params: URLSearchParams, body: unknown) => void)
    | undefined;
}

export const defaultOkxPassphrase = (accountId: string): string => `paper-passphrase-${accountId}`;

type Row = Record<string, unknown>;

export class PaperOkxServer {
  readonly hub: OkxWsHub;
  readonly venue: OkxVenueState;
  readonly statusCounts = new Map<number, number>();
  private readonly http: Server;
  private readonly faultQueue: OkxInjectedFault[] = [];
  private readonly feeds: FeedSubscription[] = [];
  private readonly followed = new Set<string>();
  private port = 0;

  constructor(
    readonly engine: PaperExchange,
    options: OkxServerOptions = {},
  ) {
    const instruments = options.instruments ?? new OkxInstruments();
    this.venue = new OkxVenueState(engine, instruments);
    const passphraseOf = options.passphraseOf ?? defaultOkxPassphrase;
    const lookupKey = (apiKey: string): OkxKey | undefined => {
      const found = engine.accountByApiKey(apiKey);
      return found
        ? { apiKey, secret: found.apiSecret, passphrase: passphraseOf(found.id), account: found.id }
        : undefined;
    };
    const now = () => engine.clock.now();
    const checkTimestamps = options.checkTimestamps ?? true;
    this.hub = new OkxWsHub({ lookupKey, now, checkTimestamps });
    const routes = new Map<string, OkxRoute>();
    for (const r of [
      ...tradeRoutes(this.venue, (account, row) =>
        this.hub.publishPrivate(account, [{ channel: 'orders', instId: String(row.instId), data: [row] }]),
      ),
      ...accountRoutes(this.venue),
    ])
      routes.set(`${r.method} ${r.path}`, r);
    const deps: OkxPipelineDeps = {
      routes,
      lookupKey,
      now,
      checkTimestamps,
      rateWindowMs: options.rateWindowMs ?? 2_000,
      limitScale: options.limitScale ?? 1,
      faults: this.faultQueue,
      statusCounts: this.statusCounts,
      onRequest: options.onRequest,
    };
    this.http = localHttpServer((req, res) => {
      void handleOkxRequest(deps, req, res);
    });
    this.hub.attach(this.http);
  }

  async start(): Promise<this> {
    this.port = await listenLocal(this.http);
    for (const id of this.engine.accountIds()) this.followAccount(id);
    for (const inst of this.venue.instruments.all()) {
      if (!this.engine.symbols().includes(inst.engineSymbol)) continue;
      this.feeds.push(
        this.engine.subscribeMarket(inst.engineSymbol, { onEvent: (e) => this.onMarket(inst, e) }),
      );
    }
    return this;
  }

  async stop(): Promise<void> {
    for (const f of this.feeds) f.close();
    this.feeds.length = 0;
    this.followed.clear();
    await this.hub.close();
    await closeHttp(this.http);
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/v5`;
  }

  /** `urls.api` entries that send ccxt `okx` (REST and pro streams) here. */
  ccxtApiUrls(): Record<string, unknown> {
    return { rest: this.httpUrl, ws: this.wsUrl };
  }

  /** Streams an account's events to its sockets (accounts present at `start` are followed already). */
  followAccount(accountId: string): void {
    if (this.followed.has(accountId)) return;
    this.followed.add(accountId);
    this.feeds.push(
      this.engine.subscribeAccount(accountId, {
        onEvent: (event) => this.hub.publishPrivate(accountId, this.pushesOf(accountId, event)),
        onDisconnect: () => {
          this.hub.dropUser(accountId);
        },
      }),
    );
  }

  private hosted(engineSymbol: string): OkxInstrument | undefined {
    return this.venue.instruments.all().find((i) => i.engineSymbol === engineSymbol);
  }

  /** One engine event → the OKX pushes it makes (`orders`, `orders-algo`, `positions`, `account`). */
  private pushesOf(
    account: string,
    event: AccountEvent,
  ): { channel: string; instId: string | null; data: Row[] }[] {
    switch (event.type) {
      case 'orderUpdate': {
        const inst = this.hosted(event.order.symbol);
        if (!inst) return [];
        const x = this.venue.pushExtras(account, event.order, event.trade);
        return [{ channel: 'orders', instId: inst.instId, data: [orderRow(event.order, inst, x)] }];
      }
      case 'algoUpdate': {
        const inst = this.hosted(event.algo.symbol);
        if (!inst) return [];
        this.venue.noteAlgo(account, event.algo.clientAlgoId, event.algo.algoId);
        const row = algoRow(event.algo, inst, this.engine.leverage(account, event.algo.symbol));
        return [{ channel: 'orders-algo', instId: inst.instId, data: [row] }];
      }
      case 'accountUpdate': {
        const pushes: { channel: string; instId: string | null; data: Row[] }[] = [];
        for (const p of event.positions) {
          const inst = this.hosted(p.symbol);
          if (!inst) continue;
          const net = p.positionSide === 'BOTH';
          const size = net ? p.positionAmt : p.positionAmt.abs();
          pushes.push({
            channel: 'positions',
            instId: inst.instId,
            data: [
              {
                instType: 'SWAP',
                instId: inst.instId,
                mgnMode: 'cross',
                posId: `${inst.instId}-${posSideOf(p.positionSide)}`,
                posSide: posSideOf(p.positionSide),
                pos: fmt(size.dividedBy(inst.ctVal)),
                ccy: inst.settleCcy,
                avgPx: p.positionAmt.isZero() ? '' : fmt(p.entryPrice),
                upl: fmt(p.unrealizedPnl),
                realizedPnl: fmt(p.cumRealized),
                lever: String(this.engine.leverage(account, p.symbol)),
                uTime: String(event.eventTime),
                pTime: String(event.eventTime),
              },
            ],
          });
        }
        if (event.balances.length > 0)
          pushes.push({
            channel: 'account',
            instId: null,
            data: [
              {
                uTime: String(event.eventTime),
                details: event.balances.map((b) => ({
                  ccy: b.asset,
                  cashBal: fmt(b.walletBalance),
                  uTime: String(event.eventTime),
                })),
              },
            ],
          });
        return pushes;
      }
      case 'accountConfigUpdate':
        return [];
    }
  }

  /** A `tickers` push: last trade and the top of the book (sizes in contracts). */
  private ticker(inst: OkxInstrument, time: number): void {
    if (!this.hub.hasPublicSubscribers('tickers', inst.instId)) return;
    const last = this.engine.lastPrice(inst.engineSymbol);
    const top = this.engine.bookTop(inst.engineSymbol);
    if (last === undefined || !top) return;
    const c = (coins: Parameters<typeof fmt>[0]) => fmt(coins.dividedBy(inst.ctVal));
    this.hub.publishPublic('tickers', inst.instId, [
      {
        instType: 'SWAP',
        instId: inst.instId,
        last: fmt(last),
        lastSz: '0',
        askPx: fmt(top.ask),
        askSz: c(top.askQty),
        bidPx: fmt(top.bid),
        bidSz: c(top.bidQty),
        open24h: fmt(last),
        high24h: fmt(last),
        low24h: fmt(last),
        sodUtc0: fmt(last),
        sodUtc8: fmt(last),
        volCcy24h: '0',
        vol24h: '0',
        ts: String(time),
      },
    ]);
  }

  private onMarket(inst: OkxInstrument, event: MarketEvent): void {
    const contracts = (coins: Parameters<typeof fmt>[0]) => fmt(coins.dividedBy(inst.ctVal));
    switch (event.type) {
      case 'trade':
        this.ticker(inst, event.time);
        this.hub.publishPublic('trades', inst.instId, [
          {
            instId: inst.instId,
            tradeId: String(event.tradeId),
            px: fmt(event.price),
            sz: contracts(event.qty),
            side: event.buyerIsMaker ? 'sell' : 'buy',
            ts: String(event.time),
            count: '1',
          },
        ]);
        return;
      case 'bookTicker': {
        const b = event.book;
        this.hub.publishPublic('bbo-tbt', inst.instId, [
          {
            asks: [[fmt(b.ask), contracts(b.askQty), '0', '1']],
            bids: [[fmt(b.bid), contracts(b.bidQty), '0', '1']],
            ts: String(b.time),
            seqId: b.time,
          },
        ]);
        return;
      }
      case 'markPrice':
        this.hub.publishPublic('mark-price', inst.instId, [
          {
            instType: 'SWAP',
            instId: inst.instId,
            markPx: fmt(event.mark.markPrice),
            ts: String(event.mark.time),
          },
        ]);
        return;
      case 'kline':
        this.hub.publishPublic('candle1m', inst.instId, [candleRow(event.kline, inst, event.closed)]);
        return;
    }
  }

  readonly faults = {
    /** Fail the next `times` requests (optionally of one route, e.g. `POST /api/v5/trade/batch-orders`). */
    failNext: (fault: Omit<OkxInjectedFault, 'remaining'> & { times?: number }): void => {
      this.faultQueue.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clear: (): void => {
      this.faultQueue.length = 0;
    },
    /** Private subscriptions take effect, and are acknowledged, `ms` after they are asked (0: at once). */
    holdPrivateSubscriptions: (ms: number): void => {
      this.hub.privateSubscribeHoldMs = ms;
    },
    dropUserStreams: (account?: string): number => this.hub.dropUser(account),
    dropMarketStreams: (): number => this.hub.dropMarket(),
    dropNextUserEvents: (n: number): void => this.hub.dropNextUserEvents(n),
    duplicateNextUserEvents: (n: number): void => this.hub.duplicateNextUserEvents(n),
  };
}

export function createPaperOkxServer(engine: PaperExchange, options: OkxServerOptions = {}): PaperOkxServer {
  return new PaperOkxServer(engine, options);
}
