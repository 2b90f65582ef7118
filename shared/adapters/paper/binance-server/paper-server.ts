/**
 * The Binance protocol server in front of a `PaperExchange`: REST routes call the engine, the engine's
 * account events become user-data stream messages for each account's listen-key sockets, and its market
 * events become `@bookTicker` / `@aggTrade` / `@markPrice[@1s]` / `@kline_1m` messages.
 *
 * Entry point: `createPaperBinanceServer(engine, options)`; then `start()`, `ccxtApiUrls()`, `stop()`.
 * Invariants: user events reach sockets in the engine's per-account order; an engine stream disconnect
 * (fault injection) cuts that account's sockets, and events during the cut are not delivered (the REST
 * views keep them, so a client that resyncs recovers them, as with Binance).
 */
import type { PaperExchange } from '../engine.js';
import type { FeedSubscription } from '../event-hub.js';
import { marketEventMessages, userEventMessages } from './format-stream.js';
import { accountRoutes } from './routes-account.js';
import { algoRoutes } from './routes-algo.js';
import { tradingRoutes } from './routes-trading.js';
import { BinanceServer, type BinanceServerOptions } from './server.js';

export type PaperServerOptions = Omit<BinanceServerOptions, 'exchangeInfo' | 'lookupKey' | 'now' | 'routes'>;

export class PaperBinanceServer extends BinanceServer {
  private readonly feeds: FeedSubscription[] = [];
  private readonly followed = new Set<string>();

  constructor(
    readonly engine: PaperExchange,
    options: PaperServerOptions = {},
  ) {
    super({
      ...options,
      exchangeInfo: () => engine.exchangeInfo(),
      lookupKey: (apiKey) => {
        const found = engine.accountByApiKey(apiKey);
        return found ? { apiKey, secret: found.apiSecret, account: found.id } : undefined;
      },
      now: () => engine.clock.now(),
      routes: [...tradingRoutes(engine), ...algoRoutes(engine), ...accountRoutes(engine)],
    });
  }

  override async start(): Promise<this> {
    await super.start();
    for (const id of this.engine.accountIds()) this.followAccount(id);
    const rulesOf = (s: string) => this.engine.marketRules(s);
    for (const symbol of this.engine.symbols()) {
      this.feeds.push(
        this.engine.subscribeMarket(symbol, {
          onEvent: (event) => {
            for (const [stream, payload] of marketEventMessages(event, rulesOf, this.engine.clock.now())) {
              this.hub.publishMarket(stream, payload);
            }
          },
        }),
      );
    }
    return this;
  }

  /** Streams an account's events to its sockets (accounts present at `start` are followed already). */
  followAccount(accountId: string): void {
    if (this.followed.has(accountId)) return;
    this.followed.add(accountId);
    const rulesOf = (s: string) => this.engine.marketRules(s);
    this.feeds.push(
      this.engine.subscribeAccount(accountId, {
        onEvent: (event) => {
          for (const message of userEventMessages(event, rulesOf)) this.hub.publishUser(accountId, message);
        },
        onDisconnect: () => {
          this.hub.dropUser(accountId);
        },
      }),
    );
  }

  override async stop(): Promise<void> {
    for (const f of this.feeds) f.close();
    this.feeds.length = 0;
    this.followed.clear();
    await super.stop();
  }
}

export function createPaperBinanceServer(
  engine: PaperExchange,
  options: PaperServerOptions = {},
): PaperBinanceServer {
  return new PaperBinanceServer(engine, options);
}
