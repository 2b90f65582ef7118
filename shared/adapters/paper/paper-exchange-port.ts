/**
 * The Exchange port on the paper engine, bound to one account: ccxt unified symbols and coins outside,
 * Binance ids and contracts inside (`SymbolMap`; contractSize is 1 on Binance USD-M, so coins = contracts).
 *
 * Entry points: `new PaperExchangePort(engine, accountId)`, then the `ExchangePort` methods.
 *
 * Rules:
 *  - Order refusals are `OrderRejection` values (see `port-mapping.ts` for the reasons); other failures
 *    (injected 5xx / 429) are `ExchangeError`s: 5xx on a write is `unknown_outcome`, on a read `retryable`.
 *  - Like the ccxt adapter, `reduceOnly` is sent only in one-way mode (positionSide BOTH); in hedge mode
 *    the position side alone makes a close.
 *  - Call delays injected with `engine.faults.delayNextCalls` are waited on the engine's clock.
 *  - Streams push the engine's events: a TRADE order update becomes a `fill` then an `order` event; an
 *    ACCOUNT_UPDATE becomes `position` and `balance` events; an ALGO_UPDATE an `order` of kind `stop`;
 *    an injected disconnect a `connection` event (`disconnected`, then `reconnected`: resync over REST).
 */

import type { LeverageBracket } from '../../domain/analysis/leverage.js';
import { type Decimal, ONE, ZERO } from '../../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  FillCursor,
  LimitOrderRequest,
  MarketOrderRequest,
  OrderRequest,
  Position,
  PositionSide,
} from '../../domain/orders.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import type {
  AmendRequest,
  CancelResult,
  ExchangePort,
  MarketChannel,
  MarketStreamEvent,
  OrderKind,
  PriceSnapshot,
  StreamSubscription,
  SubmitResult,
  UserStreamEvent,
} from '../../ports/exchange.js';
import { ExchangeError } from '../../ports/exchange.js';
import type { PaperExchange } from './engine.js';
import { PaperApiError } from './errors.js';
import type { FeedSubscription } from './event-hub.js';
import type { Operation } from './faults.js';
import {
  algoToExchangeOrder,
  failureOf,
  rejectionOf,
  toBalance,
  toCandle,
  toExchangeOrder,
  toFill,
  toPosition,
} from './port-mapping.js';
import { marketEvent, userEvents } from './port-streams.js';
import { SymbolMap } from './symbol-map.js';

const ORDER_OPS: ReadonlySet<Operation> = new Set([
  'placeOrder',
  'cancelOrder',
  'amendOrder',
  'placeAlgoOrder',
  'cancelAlgoOrder',
]);

/** How a paper account behaves like a venue other than Binance (the simulator's `exchange: okx`). */
export interface PaperVenueRules {
  /**
   * Coins per contract of markets this account sees as contract swaps (engine id → contract value, e.g.
   * OKX ETH-USDT-SWAP: 0.1): their rules are stated in contracts, as the venue's are. Quantities in and
   * out stay coins.
   */
  readonly contracts?: Readonly<Record<string, Decimal>>;
  /**
   * OKX's post-only semantics: an order that would take is accepted, then cancelled (`cancelReason`
   * `post_only_would_take` on the order event and on a later lookup), instead of refused.
   */
  readonly postOnlyCancels?: boolean;
}

export class PaperExchangePort implements ExchangePort {
  readonly venue = 'paper';
  readonly supportsAmend = true;
  readonly symbols: SymbolMap;
  private readonly subscriptions = new Set<FeedSubscription>();
  /**
   * Test hook: runs before each read of the named kind reaches the engine, so a test can make the market
   * move between two reads of one recon pass (e.g. fill an order after the open-order list was read).
   */
  beforeRead: ((read: 'openOrders' | 'tradesSince') => Promise<void> | void) | null = null;
  private readonly userHandlers = new Set<(event: UserStreamEvent) => void>();
  /** Post-only orders accepted and cancelled by the venue (`postOnlyCancels`), by client id. */
  private readonly cancelledByVenue = new Map<string, ExchangeOrder>();
  private venueOrderSeq = 0;

  constructor(
    private readonly engine: PaperExchange,
    readonly accountId: string,
    private readonly venueRules: PaperVenueRules = {},
  ) {
    this.symbols = new SymbolMap(engine.symbols().map((s) => engine.marketRules(s)));
  }

  /** Waits any injected delay, runs the engine call, maps Binance failures to port outcomes. */
  private async call<R>(op: Operation, fn: () => R): Promise<R> {
    const delay = this.engine.faults.takeCallDelay(this.accountId, op);
    if (delay > 0) await this.engine.clock.sleep(delay);
    try {
      return fn();
    } catch (err) {
      if (err instanceof PaperApiError) throw failureOf(err, ORDER_OPS.has(op));
      throw err;
    }
  }

  /** Like `call`, but a 4xx refusal of an order call is an expected outcome, not an error. */
  private async orderCall<R>(op: Operation, fn: () => R): Promise<R | ReturnType<typeof rejectionOf>> {
    const delay = this.engine.faults.takeCallDelay(this.accountId, op);
    if (delay > 0) await this.engine.clock.sleep(delay);
    try {
      return fn();
    } catch (err) {
      if (err instanceof PaperApiError) {
        if (err.httpStatus === 400) return rejectionOf(err);
        throw failureOf(err, true);
      }
      throw err;
    }
  }

  async loadRules(symbol: string): Promise<SymbolRules> {
    const id = this.symbols.toId(symbol);
    return this.call('query', () => {
      const r = this.engine.marketRules(id);
      const fees = this.engine.feeRates(this.accountId, id);
      const size = this.venueRules.contracts?.[id] ?? ONE;
      return {
        symbol,
        tickSize: r.tickSize,
        stepSize: r.stepSize.dividedBy(size),
        minQty: r.minQty.dividedBy(size),
        maxQty: r.maxQty.dividedBy(size),
        minNotional: r.minNotional,
        contractSize: size,
        makerFee: fees.maker,
        takerFee: fees.taker,
      };
    });
  }

  async fetchPrice(symbol: string): Promise<PriceSnapshot> {
    const id = this.symbols.toId(symbol);
    return this.call('query', () => {
      const last = this.engine.lastPrice(id);
      if (last === undefined) throw new ExchangeError('retryable', `no market data for ${symbol} yet`);
      const m = this.engine.markPrice(id);
      return { last, mark: m.markPrice, time: m.time };
    });
  }

  async openOrders(symbol: string): Promise<ExchangeOrder[]> {
    await this.beforeRead?.('openOrders');
    const id = this.symbols.toId(symbol);
    return this.call('query', () => [
      ...this.engine.openOrders(this.accountId, id).map((o) => toExchangeOrder(o, symbol)),
      ...this.engine.openAlgoOrders(this.accountId, id).map((a) => algoToExchangeOrder(a, symbol)),
    ]);
  }

  async order(symbol: string, clientOrderId: string, kind?: OrderKind): Promise<ExchangeOrder | null> {
    const id = this.symbols.toId(symbol);
    return this.call('query', () => {
      if (kind !== 'stop') {
        // The venue's own cancel is the latest word on that client id.
        const cancelled = this.cancelledByVenue.get(clientOrderId);
        if (cancelled?.symbol === symbol) return cancelled;
        const o = this.lookup(() => this.engine.order(this.accountId, id, { clientOrderId }));
        if (o) return toExchangeOrder(o, symbol);
      }
      if (kind !== 'limit') {
        const a = this.lookup(() =>
          this.engine.algoOrder(this.accountId, { clientAlgoId: clientOrderId }, id),
        );
        if (a) return algoToExchangeOrder(a, symbol);
      }
      return null;
    });
  }

  private lookup<R>(fn: () => R): R | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PaperApiError && err.code === -2013) return undefined;
      throw err;
    }
  }

  async position(symbol: string, positionSide: PositionSide): Promise<Position> {
    const id = this.symbols.toId(symbol);
    return this.call('query', () => {
      const p = this.engine.positions(this.accountId, id).find((x) => x.positionSide === positionSide);
      if (!p) {
        throw new Error(
          `position ${symbol} ${positionSide}: the account is in ${positionSide === 'BOTH' ? 'hedge' : 'one-way'} mode`,
        );
      }
      return toPosition(p, symbol);
    });
  }

  async balance(asset: string): Promise<Balance> {
    return this.call('query', () => toBalance(this.engine.balance(this.accountId, asset)));
  }

  async tradesSince(symbol: string, cursor: FillCursor | null, limit = 500): Promise<Fill[]> {
    await this.beforeRead?.('tradesSince');
    const id = this.symbols.toId(symbol);
    return this.call('query', () => {
      const fromId = cursor === null ? undefined : Number(cursor.tradeId) + 1;
      if (cursor !== null && !Number.isSafeInteger(fromId))
        throw new Error(`tradesSince: cursor.tradeId ${cursor.tradeId} is not a trade id of this exchange`);
      return this.engine.userTrades(this.accountId, id, { fromId, limit }).map((t) => toFill(t, symbol));
    });
  }

  async candles(symbol: string, timeframe: string, since?: number, limit?: number): Promise<Candle[]> {
    const id = this.symbols.toId(symbol);
    return this.call('query', () =>
      this.engine.klines(id, timeframe, { startTime: since, limit }).map(toCandle),
    );
  }

  async submit(request: OrderRequest): Promise<SubmitResult> {
    if (request.account !== this.accountId) {
      throw new Error(
        `submit: request.account ${request.account} does not match this port's account ${this.accountId}`,
      );
    }
    const id = this.symbols.toId(request.symbol);
    const side = request.side === 'buy' ? 'BUY' : 'SELL';
    if (request.type === 'stop_market' || request.type === 'take_profit_market') {
      const r = await this.orderCall('placeAlgoOrder', () =>
        this.engine.placeAlgoOrder(this.accountId, {
          symbol: id,
          side,
          type: request.type === 'stop_market' ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET',
          positionSide: request.positionSide,
          triggerPrice: request.triggerPrice,
          workingType: request.workingType,
          closePosition: request.closePosition ? true : undefined,
          quantity: request.closePosition ? undefined : request.qty,
          clientAlgoId: request.clientOrderId,
        }),
      );
      return 'algoId' in r ? { ok: true, order: algoToExchangeOrder(r, request.symbol) } : r;
    }
    const req = request as LimitOrderRequest | MarketOrderRequest;
    const reduceOnly = req.positionSide === 'BOTH' && req.reduceOnly ? true : undefined;
    const r = await this.orderCall('placeOrder', () =>
      this.engine.placeOrder(this.accountId, {
        symbol: id,
        side,
        type: req.type === 'limit' ? 'LIMIT' : 'MARKET',
        quantity: req.qty,
        price: req.type === 'limit' ? req.price : undefined,
        timeInForce: req.type === 'limit' ? req.timeInForce : undefined,
        positionSide: req.positionSide,
        reduceOnly,
        newClientOrderId: req.clientOrderId,
      }),
    );
    if ('orderId' in r) return { ok: true, order: toExchangeOrder(r, request.symbol) };
    if (this.venueRules.postOnlyCancels && req.type === 'limit' && r.reason === 'post_only_would_take')
      return this.acceptThenCancel(req);
    return r;
  }

  /** OKX: the post-only order is taken, then cancelled; the stream says so right after the answer. */
  private acceptThenCancel(req: LimitOrderRequest): SubmitResult {
    const now = this.engine.clock.now();
    const placed: ExchangeOrder = {
      symbol: req.symbol,
      clientOrderId: req.clientOrderId,
      exchangeOrderId: `9${String(++this.venueOrderSeq).padStart(15, '0')}`,
      kind: 'limit',
      side: req.side,
      positionSide: req.positionSide,
      price: req.price,
      qty: req.qty,
      filledQty: ZERO,
      status: 'NEW',
      updatedAt: now,
    };
    const cancelled: ExchangeOrder = { ...placed, status: 'CANCELED', cancelReason: 'post_only_would_take' };
    this.cancelledByVenue.set(req.clientOrderId, cancelled);
    queueMicrotask(() => {
      for (const h of this.userHandlers) h({ type: 'order', order: cancelled, receivedAt: now });
    });
    return { ok: true, order: placed };
  }

  async cancel(symbol: string, clientOrderId: string, kind: OrderKind): Promise<CancelResult> {
    const id = this.symbols.toId(symbol);
    if (kind === 'stop') {
      const r = await this.orderCall('cancelAlgoOrder', () =>
        this.engine.cancelAlgoOrder(this.accountId, { clientAlgoId: clientOrderId }, id),
      );
      return 'algoId' in r ? { ok: true, order: algoToExchangeOrder(r, symbol) } : r;
    }
    const r = await this.orderCall('cancelOrder', () =>
      this.engine.cancelOrder(this.accountId, id, { clientOrderId }),
    );
    return 'orderId' in r ? { ok: true, order: toExchangeOrder(r, symbol) } : r;
  }

  async amend(request: AmendRequest): Promise<SubmitResult> {
    const id = this.symbols.toId(request.symbol);
    const r = await this.orderCall('amendOrder', () =>
      this.engine.amendOrder(this.accountId, {
        symbol: id,
        clientOrderId: request.clientOrderId,
        side: request.side === 'buy' ? 'BUY' : 'SELL',
        price: request.price,
        quantity: request.qty,
      }),
    );
    return 'orderId' in r ? { ok: true, order: toExchangeOrder(r, request.symbol) } : r;
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    const id = this.symbols.toId(symbol);
    await this.call('configure', () => this.engine.setLeverage(this.accountId, id, leverage));
  }

  async hedgeMode(): Promise<boolean> {
    return this.call('query', () => this.engine.positionMode(this.accountId).dualSidePosition);
  }

  async setHedgeMode(on: boolean): Promise<void> {
    await this.call('configure', () => this.engine.setPositionMode(this.accountId, on));
  }

  async leverageBrackets(symbol: string): Promise<LeverageBracket[]> {
    const id = this.symbols.toId(symbol);
    return this.call('query', () =>
      (this.engine.leverageBrackets(id)[0]?.brackets ?? []).map((b) => ({
        notionalFloor: b.notionalFloor,
        notionalCap: b.notionalCap,
        maxLeverage: b.initialLeverage,
        maintMarginRatio: b.maintMarginRatio,
      })),
    );
  }

  /** Paper accounts of one engine share a venue: a transfer moves wallet balance between them. */
  async transferTo(toAccount: string, asset: string, amount: Decimal): Promise<void> {
    await this.call('configure', () => this.engine.transfer(this.accountId, toAccount, asset, amount));
  }

  async subscribeUser(handler: (event: UserStreamEvent) => void): Promise<StreamSubscription> {
    const now = (): number => this.engine.clock.now();
    const sub = this.engine.subscribeAccount(this.accountId, {
      onEvent: (e) => {
        for (const out of userEvents(this.engine, this.accountId, this.symbols, e, now())) handler(out);
      },
      onDisconnect: (reason) => handler({ type: 'connection', state: 'disconnected', reason, at: now() }),
      onReconnect: () => handler({ type: 'connection', state: 'reconnected', at: now() }),
    });
    this.subscriptions.add(sub);
    this.userHandlers.add(handler);
    handler({ type: 'connection', state: 'connected', at: now() });
    const wrapped = this.wrap(sub);
    return {
      close: async () => {
        this.userHandlers.delete(handler);
        await wrapped.close();
      },
    };
  }

  async subscribeMarket(
    symbol: string,
    channels: readonly MarketChannel[],
    handler: (event: MarketStreamEvent) => void,
  ): Promise<StreamSubscription> {
    const id = this.symbols.toId(symbol);
    const want = new Set(channels);
    const sub = this.engine.subscribeMarket(id, {
      onEvent: (e) => {
        const out = marketEvent(e, symbol, want);
        if (out) handler(out);
      },
    });
    this.subscriptions.add(sub);
    handler({ type: 'connection', state: 'connected', at: this.engine.clock.now() });
    return this.wrap(sub);
  }

  private wrap(sub: FeedSubscription): StreamSubscription {
    return {
      close: async () => {
        sub.close();
        this.subscriptions.delete(sub);
      },
    };
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.close();
    this.subscriptions.clear();
    this.userHandlers.clear();
  }
}
