/**
 * The engine's internal, mutable state: accounts (wallets, positions, orders, algo orders, trades,
 * income), markets (prices, the shared resting book, klines, funding) and id counters. Only the engine's
 * own modules touch these records; callers receive immutable views (`views.ts`).
 *
 * Invariants:
 *  1. A hedge-mode LONG position is never negative, a SHORT never positive.
 *  2. `market.buys` is sorted by price descending then `seq`; `market.sells` by price ascending then `seq`;
 *     both hold exactly the open LIMIT orders of every account on that symbol.
 *  3. Wallet amounts, fees, realized PnL and funding are kept to 8 decimals (Binance's precision), so
 *     wallet = deposits + Σ realized − Σ fees + Σ funding holds exactly.
 */

import type { Decimal } from '../../domain/money.js';
import type { Clock } from '../../ports/clock.js';
import type { EventHub } from './event-hub.js';
import type { FaultInjector } from './faults.js';
import type { MarketRules } from './market-rules.js';
import type {
  AlgoStatus,
  BinanceAlgoOrderType,
  BinanceOrderStatus,
  BinanceOrderType,
  BinancePositionSide,
  BinanceSide,
  BinanceTimeInForce,
  BinanceWorkingType,
  FundingRecord,
  IncomeRecord,
  KlineView,
  LeverageBracket,
  TradeView,
} from './types.js';

export interface OrderRecord {
  readonly accountId: string;
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: BinanceSide;
  readonly positionSide: BinancePositionSide;
  readonly type: BinanceOrderType;
  readonly origType: BinanceOrderType | BinanceAlgoOrderType;
  readonly timeInForce: BinanceTimeInForce;
  price: Decimal;
  origQty: Decimal;
  executedQty: Decimal;
  cumQuote: Decimal;
  status: BinanceOrderStatus;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly stopPrice: Decimal;
  readonly workingType: BinanceWorkingType;
  readonly priceProtect: boolean;
  readonly time: number;
  updateTime: number;
  /** Book priority: lower was placed (or re-queued by an amend) earlier. */
  seq: number;
  /** Notional this order adds to the account's `orderTotals` (undefined when not counted). */
  tracked?: Decimal | undefined;
}

export interface AlgoRecord {
  readonly accountId: string;
  readonly symbol: string;
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly orderType: BinanceAlgoOrderType;
  readonly side: BinanceSide;
  readonly positionSide: BinancePositionSide;
  readonly quantity: Decimal;
  readonly triggerPrice: Decimal;
  readonly workingType: BinanceWorkingType;
  readonly closePosition: boolean;
  readonly priceProtect: boolean;
  readonly reduceOnly: boolean;
  status: AlgoStatus;
  readonly createTime: number;
  updateTime: number;
  triggerTime: number;
  actualOrderId: number | null;
  failReason: string;
}

export interface PositionRecord {
  readonly symbol: string;
  readonly positionSide: BinancePositionSide;
  /** Signed contracts. */
  qty: Decimal;
  entryPrice: Decimal;
  /** Fees paid opening the current position (for the break-even price), scaled down on reductions. */
  openFees: Decimal;
  cumRealized: Decimal;
  updateTime: number;
}

/** Running totals of an account's open LIMIT orders on one symbol (kept by `order-totals.ts`). */
export interface OrderTotals {
  /** All open LIMIT BUY / SELL notional (`b` / `a`). */
  bid: Decimal;
  ask: Decimal;
  /** Hedge-mode opening orders: BUY LONG, SELL SHORT. */
  longOpen: Decimal;
  shortOpen: Decimal;
  /** One-way orders that are not reduce-only; which side opens depends on the position. */
  bothBuy: Decimal;
  bothSell: Decimal;
  /** Open LIMIT orders (MAX_NUM_ORDERS). */
  count: number;
}

export interface FeeRates {
  readonly maker: Decimal;
  readonly taker: Decimal;
}

export interface AccountState {
  readonly id: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  dualSidePosition: boolean;
  /** Per-quote-asset fee override; falls back to the engine's defaults. */
  readonly fees: ReadonlyMap<string, FeeRates>;
  readonly wallets: Map<string, Decimal>;
  readonly positions: Map<string, PositionRecord>;
  readonly leverage: Map<string, number>;
  readonly orders: Map<number, OrderRecord>;
  /** `${symbol}|${clientOrderId}` → the latest order with that id. */
  readonly ordersByClientId: Map<string, OrderRecord>;
  readonly openOrders: Map<number, OrderRecord>;
  /** Per symbol: running totals of the open LIMIT orders (`order-totals.ts`). */
  readonly orderTotals: Map<string, OrderTotals>;
  readonly algos: Map<number, AlgoRecord>;
  readonly algosByClientId: Map<string, AlgoRecord>;
  readonly openAlgos: Map<number, AlgoRecord>;
  /** Per symbol, in trade id order. */
  readonly trades: Map<string, TradeView[]>;
  readonly income: IncomeRecord[];
  walletUpdateTime: number;
}

export interface MarketState {
  readonly rules: MarketRules;
  brackets: readonly LeverageBracket[];
  last: Decimal | undefined;
  mark: Decimal | undefined;
  bid: Decimal | undefined;
  ask: Decimal | undefined;
  priceTime: number;
  nextTradeId: number;
  /** Time of the symbol's latest trade: no later trade is stamped before it (ids increase with time). */
  lastTradeTime: number;
  readonly buys: OrderRecord[];
  readonly sells: OrderRecord[];
  /** Open algo orders of every account on this symbol, oldest first. */
  readonly algos: AlgoRecord[];
  readonly klines: KlineView[];
  /** The 1m kline being built from trade ticks, stored once its minute is over. */
  tickKline: KlineView | undefined;
  /** When trade ticks last published the mark price (`markPrice@1s`: at most once a second of trade time). */
  markPublishedAt: number;
  /** Known funding rates by time, ascending; `fundingCursor` is the next one to settle. */
  funding: FundingRecord[];
  fundingCursor: number;
  lastFundingRate: Decimal;
}

export type MarkSource = 'close' | 'path';

export interface EngineOptions {
  /** Fee rates per margin/quote asset; default USDT 0.02% / 0.05%, USDC 0% / 0.04%. */
  readonly fees: ReadonlyMap<string, FeeRates>;
  /** Market-order slippage as a fraction of price (0.0005 = 5 bp), applied against the taker. */
  readonly slippage: Decimal;
  /** Candles set the mark at their close (`close`) or along the intrabar path (`path`). */
  readonly markSource: MarkSource;
  readonly defaultLeverage: number;
  /** Max events kept per account log (older ones are dropped from the log, never from delivery). */
  readonly maxLoggedEvents: number;
}

export interface IdCounters {
  nextOrderId: number;
  nextAlgoId: number;
  nextTranId: number;
  nextBookSeq: number;
  nextGeneratedClientId: number;
}

export interface EngineCore {
  readonly clock: Clock;
  /**
   * The time of what the engine is doing now, when that is not the clock's: set while a candle (fed at
   * its close) replays its intrabar path, so fills, triggers and liquidations carry the moment inside the
   * candle they happened. Undefined otherwise. Read it through `eventNow`.
   */
  eventTime: number | undefined;
  readonly options: EngineOptions;
  readonly markets: Map<string, MarketState>;
  readonly accounts: Map<string, AccountState>;
  readonly hub: EventHub;
  readonly faults: FaultInjector;
  readonly ids: IdCounters;
}

/** When the current engine event happens: the intrabar moment during a candle, else the clock. */
export function eventNow(core: EngineCore): number {
  return core.eventTime ?? core.clock.now();
}

export function positionKey(symbol: string, side: BinancePositionSide): string {
  return `${symbol}|${side}`;
}

export function clientKey(symbol: string, clientId: string): string {
  return `${symbol}|${clientId}`;
}
