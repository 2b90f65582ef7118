/**
 * The vocabulary shared by engines, ports and adapters for orders, fills and positions. Quantities are
 * always coins (base asset); adapters convert to contracts at the exchange edge.
 */
import type { Decimal } from './money.js';
import type { Side } from './symbol-rules.js';

export type { Side };

/** Binance hedge mode: LONG / SHORT; one-way mode: BOTH. OKX `posSide` maps to the same three values. */
export type PositionSide = 'LONG' | 'SHORT' | 'BOTH';
export type TimeInForce = 'GTC' | 'GTX' | 'IOC';
export type WorkingType = 'MARK_PRICE' | 'CONTRACT_PRICE';

interface OrderRequestBase {
  /** Account id from the deployment config (an instance may span two accounts). */
  readonly account: string;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly positionSide: PositionSide;
}

/** A resting or immediate limit order. `timeInForce: 'GTX'` is post-only. */
export interface LimitOrderRequest extends OrderRequestBase {
  readonly type: 'limit';
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly timeInForce: TimeInForce;
  /**
   * Reduce-only intent. Adapters must NOT send `reduceOnly` together with a hedge-mode `positionSide`
   * (Binance rejects it); in hedge mode the position side itself makes a close reduce-only.
   */
  readonly reduceOnly?: boolean;
}

export interface MarketOrderRequest extends OrderRequestBase {
  readonly type: 'market';
  readonly qty: Decimal;
  readonly reduceOnly?: boolean;
}

/** Exchange-side conditional order (Binance algo order / OKX algo order). */
export interface StopOrderRequest extends OrderRequestBase {
  readonly type: 'stop_market' | 'take_profit_market';
  readonly triggerPrice: Decimal;
  readonly workingType: WorkingType;
  /** Close the whole position whatever its size (Binance `closePosition=true`); else `qty` is used. */
  readonly closePosition: boolean;
  readonly qty?: Decimal | undefined;
}

export type OrderRequest = LimitOrderRequest | MarketOrderRequest | StopOrderRequest;

export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';

/** An order as the exchange reports it (open or looked up by client id). */
export interface ExchangeOrder {
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  readonly kind: 'limit' | 'market' | 'stop';
  readonly side: Side;
  readonly positionSide: PositionSide;
  /** Limit price (limit orders). */
  readonly price?: Decimal | undefined;
  /** Trigger price (conditional orders). */
  readonly triggerPrice?: Decimal | undefined;
  readonly closePosition?: boolean | undefined;
  /** Original quantity in coins (0 for closePosition stops). */
  readonly qty: Decimal;
  /** Executed quantity in coins. */
  readonly filledQty: Decimal;
  readonly status: OrderStatus;
  readonly reduceOnly?: boolean | undefined;
  readonly updatedAt: number;
  /**
   * Why the venue cancelled it, when the venue says and it matters: `post_only_would_take` is a post-only
   * order the venue acknowledged and then cancelled because it would have taken liquidity (OKX), which
   * other venues refuse outright (Binance -5022).
   */
  readonly cancelReason?: 'post_only_would_take' | undefined;
}

/** One execution of one of our orders (or a foreign one) on the instance's symbol. */
export interface Fill {
  /** Exchange trade id, unique per symbol: the idempotency key of fill processing. */
  readonly tradeId: string;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  readonly side: Side;
  readonly positionSide: PositionSide;
  readonly price: Decimal;
  /** Coins executed by this trade. */
  readonly qty: Decimal;
  /** Fee in quote currency (negative for a maker rebate). */
  readonly fee: Decimal;
  readonly isMaker: boolean;
  /** Exchange time of the trade, ms since the epoch. */
  readonly time: number;
  /** The venue closed the position by liquidation (or auto-deleveraging), not an order of anyone's. */
  readonly liquidation?: boolean | undefined;
}

/**
 * Binance names its liquidation orders `autoclose-…` and its auto-deleveraging orders `adl_autoclose…`
 * (the paper exchange does the same); a venue adapter may also set `Fill.liquidation` from the order type.
 */
export function isLiquidationFill(fill: Pick<Fill, 'clientOrderId' | 'liquidation'>): boolean {
  return fill.liquidation === true || /^(autoclose-|adl_autoclose)/.test(fill.clientOrderId);
}

export interface Position {
  readonly symbol: string;
  readonly positionSide: PositionSide;
  /** Signed coins: positive long, negative short (hedge mode sides are each non-negative / non-positive). */
  readonly qty: Decimal;
  readonly entryPrice: Decimal;
  readonly markPrice?: Decimal | undefined;
  readonly liquidationPrice?: Decimal | undefined;
  readonly unrealizedPnl?: Decimal | undefined;
  readonly leverage?: Decimal | undefined;
}

export interface Balance {
  readonly asset: string;
  readonly wallet: Decimal;
  readonly available: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly marginBalance: Decimal;
}

/** Where trade-history reads resume: the last applied trade. */
export interface FillCursor {
  readonly time: number;
  readonly tradeId: string;
}

export interface Candle {
  readonly openTime: number;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
}

/** The order side that opens a hedge-mode position side: a LONG by buys, a SHORT by sells. */
export function openingSideOf(side: 'LONG' | 'SHORT'): Side {
  return side === 'LONG' ? 'buy' : 'sell';
}

/** The order side that closes a hedge-mode position side: a LONG by sells, a SHORT by buys. */
export function closingSideOf(side: 'LONG' | 'SHORT'): Side {
  return side === 'LONG' ? 'sell' : 'buy';
}
