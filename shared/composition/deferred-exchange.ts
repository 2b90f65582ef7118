/**
 * An account whose exchange could not be built at start (its secret still holds the placeholder, the key
 * was revoked, the secret is unreadable) must not stop the process for every other account. Its port is a
 * stand-in: every call first tries to build the real port again (at most once per `retryEveryMs` of the
 * clock), and until that works fails with `AccountUnavailableError`, which names the account and the
 * cause. The stream worker isolates and retries such an account; a recon pass for it fails with the reason.
 */

import type { LeverageBracket } from '../domain/analysis/leverage.js';
import type { Decimal } from '../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  FillCursor,
  OrderRequest,
  Position,
  PositionSide,
} from '../domain/orders.js';
import type { SymbolRules } from '../domain/symbol-rules.js';
import type { Clock } from '../ports/clock.js';
import {
  type AmendRequest,
  type CancelResult,
  ExchangeError,
  type ExchangePort,
  type MarketChannel,
  type MarketStreamEvent,
  type OrderKind,
  type PriceSnapshot,
  type StreamSubscription,
  type SubmitResult,
  type UserStreamEvent,
} from '../ports/exchange.js';

export class AccountUnavailableError extends Error {
  override readonly name = 'AccountUnavailableError';
  constructor(
    readonly accountId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`account ${accountId} is unavailable: ${reason}`, options);
  }
}

export class DeferredExchangePort implements ExchangePort {
  #port: ExchangePort | null = null;
  #lastError: unknown;
  #lastTry: number;

  constructor(
    readonly accountId: string,
    readonly venue: string,
    readonly supportsAmend: boolean,
    private readonly build: () => Promise<ExchangePort>,
    private readonly clock: Clock,
    firstError: unknown,
    private readonly retryEveryMs = 30_000,
  ) {
    this.#lastError = firstError;
    this.#lastTry = clock.now();
  }

  /** The real port, built now if the last attempt is old enough; else the last failure. */
  async #real(): Promise<ExchangePort> {
    if (this.#port) return this.#port;
    const now = this.clock.now();
    if (now - this.#lastTry >= this.retryEveryMs) {
      this.#lastTry = now;
      try {
        this.#port = await this.build();
        return this.#port;
      } catch (e) {
        this.#lastError = e;
      }
    }
    const e = this.#lastError;
    throw new AccountUnavailableError(this.accountId, e instanceof Error ? e.message : String(e), {
      cause: e,
    });
  }

  async loadRules(symbol: string): Promise<SymbolRules> {
    return (await this.#real()).loadRules(symbol);
  }
  async fetchPrice(symbol: string): Promise<PriceSnapshot> {
    return (await this.#real()).fetchPrice(symbol);
  }
  async openOrders(symbol: string): Promise<ExchangeOrder[]> {
    return (await this.#real()).openOrders(symbol);
  }
  async order(symbol: string, clientOrderId: string, kind?: OrderKind): Promise<ExchangeOrder | null> {
    return (await this.#real()).order(symbol, clientOrderId, kind);
  }
  async position(symbol: string, positionSide: PositionSide): Promise<Position> {
    return (await this.#real()).position(symbol, positionSide);
  }
  async balance(asset: string): Promise<Balance> {
    return (await this.#real()).balance(asset);
  }
  async tradesSince(symbol: string, cursor: FillCursor | null, limit?: number): Promise<Fill[]> {
    return (await this.#real()).tradesSince(symbol, cursor, limit);
  }
  async candles(symbol: string, timeframe: string, since?: number, limit?: number): Promise<Candle[]> {
    return (await this.#real()).candles(symbol, timeframe, since, limit);
  }
  async submit(request: OrderRequest): Promise<SubmitResult> {
    return (await this.#real()).submit(request);
  }
  async cancel(symbol: string, clientOrderId: string, kind: OrderKind): Promise<CancelResult> {
    return (await this.#real()).cancel(symbol, clientOrderId, kind);
  }
  async amend(request: AmendRequest): Promise<SubmitResult> {
    return (await this.#real()).amend(request);
  }
  async setLeverage(symbol: string, leverage: number): Promise<void> {
    return (await this.#real()).setLeverage(symbol, leverage);
  }
  async hedgeMode(): Promise<boolean> {
    return (await this.#real()).hedgeMode();
  }
  async setHedgeMode(on: boolean): Promise<void> {
    return (await this.#real()).setHedgeMode(on);
  }
  async leverageBrackets(symbol: string): Promise<LeverageBracket[]> {
    return (await this.#real()).leverageBrackets(symbol);
  }
  /** Forwards when the real port can; otherwise refuses, naming why (the preflight says it). */
  async transferTo(toAccount: string, asset: string, amount: Decimal): Promise<void> {
    const real = await this.#real();
    if (!real.transferTo)
      throw new ExchangeError(
        'fatal',
        `transfers from account ${this.accountId} are not available at ${real.venue} with these keys`,
      );
    return real.transferTo(toAccount, asset, amount);
  }
  async subscribeUser(handler: (event: UserStreamEvent) => void): Promise<StreamSubscription> {
    return (await this.#real()).subscribeUser(handler);
  }
  async subscribeMarket(
    symbol: string,
    channels: readonly MarketChannel[],
    handler: (event: MarketStreamEvent) => void,
  ): Promise<StreamSubscription> {
    return (await this.#real()).subscribeMarket(symbol, channels, handler);
  }
  async close(): Promise<void> {
    await this.#port?.close();
  }
}
