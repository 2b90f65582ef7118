/**
 * Conversions between the paper engine's Binance-shaped views and the Exchange port's domain types
 * (coins, unified symbols, lower-case sides), and Binance error codes → port outcomes.
 *
 * Entry points: `toExchangeOrder`, `algoToExchangeOrder`, `toFill`, `toPosition`, `toBalance`,
 * `toCandle`, `rejectionOf` (an order refusal as an `OrderRejection`), `failureOf` (anything else as an
 * `ExchangeError`: 429 → rate_limited, 5xx → unknown_outcome on writes / retryable on reads, else fatal).
 */
import { dec } from '../../domain/money.js';
import type { Balance, Candle, ExchangeOrder, Fill, OrderStatus, Position } from '../../domain/orders.js';
import { ExchangeError, type OrderRejection, type OrderRejectReason } from '../../ports/exchange.js';
import type { PaperApiError } from './errors.js';
import type { AlgoOrderView, BalanceView, KlineView, OrderView, PositionView, TradeView } from './types.js';

const REASONS: ReadonlyMap<number, OrderRejectReason> = new Map([
  [-5022, 'post_only_would_take'],
  [-4116, 'duplicate_client_id'],
  [-2019, 'insufficient_margin'],
  [-2018, 'insufficient_margin'],
  [-2027, 'insufficient_margin'],
  [-2022, 'reduce_only_rejected'],
  [-1106, 'reduce_only_rejected'],
  [-4061, 'position_mismatch'],
  [-2025, 'too_many_orders'],
  [-4045, 'too_many_orders'],
  [-2011, 'unknown_order'],
  [-2013, 'unknown_order'],
  [-2021, 'would_trigger'],
  [-4130, 'stop_exists'],
  ...[-1111, -4002, -4003, -4004, -4005, -4006, -4013, -4014, -4016, -4023, -4024, -4131, -4164].map(
    (c) => [c, 'filter'] as const,
  ),
]);

/** A Binance business refusal (HTTP 400) of an order call, as the port's expected outcome. */
export function rejectionOf(err: PaperApiError): OrderRejection {
  return { ok: false, reason: REASONS.get(err.code) ?? 'other', code: String(err.code), message: err.msg };
}

export function failureOf(err: PaperApiError, write: boolean): ExchangeError {
  const opts = { code: String(err.code), cause: err };
  if (err.httpStatus === 429 || err.httpStatus === 418) {
    return new ExchangeError('rate_limited', err.msg, { ...opts, retryAfterMs: 1000 });
  }
  if (err.httpStatus >= 500) return new ExchangeError(write ? 'unknown_outcome' : 'retryable', err.msg, opts);
  return new ExchangeError('fatal', `unexpected exchange answer ${err.code}: ${err.msg}`, opts);
}

function status(s: OrderView['status']): OrderStatus {
  return s;
}

export function toExchangeOrder(o: OrderView, symbol: string): ExchangeOrder {
  return {
    symbol,
    clientOrderId: o.clientOrderId,
    exchangeOrderId: String(o.orderId),
    kind: o.type === 'LIMIT' ? 'limit' : 'market',
    side: o.side === 'BUY' ? 'buy' : 'sell',
    positionSide: o.positionSide,
    price: o.type === 'LIMIT' ? o.price : undefined,
    triggerPrice: o.stopPrice.isZero() ? undefined : o.stopPrice,
    closePosition: o.closePosition,
    qty: o.origQty,
    filledQty: o.executedQty,
    status: status(o.status),
    reduceOnly: o.reduceOnly,
    updatedAt: o.updateTime,
  };
}

function algoStatus(a: AlgoOrderView): OrderStatus {
  switch (a.algoStatus) {
    case 'NEW':
    case 'TRIGGERING':
    case 'TRIGGERED':
      return 'NEW';
    case 'FINISHED':
      return a.executedQty.isZero() ? 'EXPIRED' : 'FILLED';
    case 'CANCELED':
      return 'CANCELED';
    case 'REJECTED':
      return 'REJECTED';
    case 'EXPIRED':
      return 'EXPIRED';
  }
}

export function algoToExchangeOrder(a: AlgoOrderView, symbol: string): ExchangeOrder {
  return {
    symbol,
    clientOrderId: a.clientAlgoId,
    exchangeOrderId: String(a.algoId),
    kind: 'stop',
    side: a.side === 'BUY' ? 'buy' : 'sell',
    positionSide: a.positionSide,
    triggerPrice: a.triggerPrice,
    closePosition: a.closePosition,
    qty: a.quantity,
    filledQty: a.executedQty,
    status: algoStatus(a),
    reduceOnly: a.reduceOnly,
    updatedAt: a.updateTime,
  };
}

export function toFill(t: TradeView, symbol: string): Fill {
  return {
    tradeId: String(t.id),
    symbol,
    clientOrderId: t.clientOrderId,
    exchangeOrderId: String(t.orderId),
    side: t.side === 'BUY' ? 'buy' : 'sell',
    positionSide: t.positionSide,
    price: t.price,
    qty: t.qty,
    fee: t.commission,
    isMaker: t.maker,
    time: t.time,
  };
}

export function toPosition(p: PositionView, symbol: string): Position {
  return {
    symbol,
    positionSide: p.positionSide,
    qty: p.positionAmt,
    entryPrice: p.entryPrice,
    markPrice: p.markPrice,
    liquidationPrice: p.liquidationPrice.isZero() ? undefined : p.liquidationPrice,
    unrealizedPnl: p.unRealizedProfit,
    leverage: dec(p.leverage),
  };
}

export function toBalance(b: BalanceView): Balance {
  return {
    asset: b.asset,
    wallet: b.walletBalance,
    available: b.availableBalance,
    unrealizedPnl: b.unrealizedProfit,
    marginBalance: b.marginBalance,
  };
}

export function toCandle(k: KlineView): Candle {
  return { openTime: k.openTime, open: k.open, high: k.high, low: k.low, close: k.close, volume: k.volume };
}
