/**
 * What differs between venues behind the one ccxt adapter: how a domain order becomes ccxt arguments, how
 * the venue's raw JSON becomes domain types, and which ccxt pro calls keep a stream subscribed.
 * `binance-dialect.ts` and `okx-dialect.ts` implement it; `CcxtExchange` holds everything venue-neutral.
 */

import type { LeverageBracket } from '../../domain/analysis/leverage.js';
import type { Decimal } from '../../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  FillCursor,
  OrderRequest,
  Position,
} from '../../domain/orders.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import type { AmendRequest, MarketChannel, MarketStreamEvent, PriceSnapshot } from '../../ports/exchange.js';
import type { BinanceUserItem } from './binance-stream-parse.js';
import type { CcxtClient } from './client.js';

/** Arguments of one ccxt `createOrder` / `editOrder` call. Amounts and prices are exact decimal strings. */
export interface OrderCall {
  readonly type: 'limit' | 'market';
  readonly side: 'buy' | 'sell';
  readonly amount: string | undefined;
  readonly price: string | undefined;
  readonly params: Record<string, unknown>;
}

export type UserItem = BinanceUserItem;
export type MarketItem = Exclude<MarketStreamEvent, { type: 'connection' | 'malformed' }>;

export interface VenueDialect {
  readonly venue: string;
  readonly supportsAmend: boolean;
  loadRules(ex: CcxtClient, symbol: string): Promise<SymbolRules>;
  /** `reference`: the current price, for venues whose market orders carry a worst price (`needsReferencePrice`). */
  orderCall(req: OrderRequest, rules: SymbolRules, reference?: PriceSnapshot): OrderCall;
  /** The venue's market orders carry a worst price: the adapter reads the price before placing one. */
  needsReferencePrice?(req: OrderRequest): boolean;
  amendCall(req: AmendRequest, rules: SymbolRules): OrderCall;
  /** Extra params that route fetch/cancel calls to conditional (algo) orders. */
  readonly stopParams: Readonly<Record<string, unknown>>;
  /** Extra params that list open conditional orders (defaults to `stopParams`). */
  readonly openStopsParams?: Readonly<Record<string, unknown>>;
  /** The venue lists conditional orders with the others: one read lists both (Lighter). */
  readonly stopsListedWithOrders?: boolean;
  /** Open orders read by the dialect itself (default: ccxt `fetchOpenOrders` + `parseOrder`). */
  fetchOpenOrders?(ex: CcxtClient, symbol: string, rules: SymbolRules): Promise<ExchangeOrder[]>;
  /** One order by client id read by the dialect itself (default: ccxt `fetchOrder`), null when unknown. */
  fetchOrderByClientId?(
    ex: CcxtClient,
    symbol: string,
    clientOrderId: string,
    rules: SymbolRules,
  ): Promise<ExchangeOrder | null>;
  clientIdParams(clientOrderId: string): Record<string, unknown>;
  parseOrder(info: unknown, symbol: string, rules: SymbolRules): ExchangeOrder;
  /** The venue answers an amend with ids only: read the order back by client id. */
  readonly refetchAfterAmend?: boolean;
  /** The placed order from a placement answer, when the venue answers with less than the order. */
  parseSubmit?(info: unknown, request: OrderRequest, rules: SymbolRules): ExchangeOrder;
  /** Parses a cancel answer; null when the venue answers without the order (e.g. Binance algo cancels). */
  parseCancel(info: unknown, symbol: string, rules: SymbolRules): ExchangeOrder | null;
  fetchPosition(ex: CcxtClient, symbol: string, rules: SymbolRules): Promise<Position[]>;
  /**
   * The account's leverage on a symbol, for venues whose position answer can lack it (Binance v3
   * positionRisk has no `leverage`, and lists no row at all while flat).
   */
  fetchLeverage?(ex: CcxtClient, symbol: string): Promise<Decimal | null>;
  fetchBalance(ex: CcxtClient, asset: string): Promise<Balance>;
  /**
   * The client id of an order by its exchange id, for trade rows that carry only the latter (default: ccxt
   * `fetchOrder`). OKX needs its own: a stop's child order has an empty `clOrdId` and names the stop in
   * `algoClOrdId`, which ccxt's parser drops.
   */
  lookupClientId?(ex: CcxtClient, symbol: string, exchangeOrderId: string): Promise<string>;
  fetchTrades(
    ex: CcxtClient,
    symbol: string,
    cursor: FillCursor | null,
    limit: number,
    rules: SymbolRules,
    clientIdOf: (exchangeOrderId: string) => Promise<string>,
  ): Promise<Fill[]>;
  fetchCandles(
    ex: CcxtClient,
    symbol: string,
    timeframe: string,
    since?: number,
    limit?: number,
  ): Promise<Candle[]>;
  fetchPrice(ex: CcxtClient, symbol: string): Promise<PriceSnapshot>;
  fetchHedgeMode(ex: CcxtClient, symbol?: string): Promise<boolean>;
  setHedgeMode(ex: CcxtClient, on: boolean): Promise<void>;
  fetchLeverageBrackets(ex: CcxtClient, symbol: string): Promise<LeverageBracket[]>;
  parseUserMessage(
    message: unknown,
    ex: CcxtClient,
    rulesOf: (symbol: string) => SymbolRules | undefined,
  ): UserItem[] | 'ignored';
  parseMarketMessage(message: unknown, ex: CcxtClient): MarketItem | 'ignored';
  /** Resolves on the next user-stream batch; rejects when the connection fails. */
  watchUser(ex: CcxtClient): Promise<unknown>;
  watchMarket(ex: CcxtClient, symbol: string, channel: MarketChannel): Promise<unknown>;
  /** Is this ccxt ws client URL the user-data connection? */
  isUserUrl(url: string): boolean;
  /**
   * Does this user-stream message say the stream now carries fills? OKX's do from the `orders`
   * subscription's acknowledgement (after the login), not from the socket's opening. Absent: from the
   * opening (Binance: the listen key's socket needs no subscription).
   */
  userStreamLive?(message: unknown): boolean;
  /** Forget the stream credential (listen key) so the next watch obtains a fresh one. */
  resetUserAuth(ex: CcxtClient): void;
}
