/**
 * Binance USD-M payloads → domain types, from the raw JSON (ccxt's `info`, REST bodies, stream messages),
 * never from ccxt's float-typed unified fields. Quantities on Binance USD-M are coins (contract size 1).
 *
 * Entry points: `binanceRules`, `parseBinanceOrder` (regular and algo orders), `parseBinanceTrade`,
 * `parseBinancePosition`, `parseBinanceBalance`, `parseBinanceKline`.
 * Every function throws `MalformedPayloadError` naming the field when a payload is not what Binance sends.
 */
import { type Decimal, ZERO } from '../../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  OrderStatus,
  Position,
  PositionSide,
  Side,
} from '../../domain/orders.js';
import { type SymbolRules, symbolRules } from '../../domain/symbol-rules.js';
import {
  asRaw,
  boolField,
  decField,
  idField,
  MalformedPayloadError,
  numericIdField,
  optDecField,
  optStrField,
  positiveDecField,
  type Raw,
  rawList,
  strField,
  timeField,
} from './raw.js';

export function binanceSide(v: string, what = 'side'): Side {
  if (v === 'BUY') return 'buy';
  if (v === 'SELL') return 'sell';
  throw new MalformedPayloadError(`${what} must be BUY or SELL, got ${v}`);
}

export function binancePositionSide(v: string | undefined): PositionSide {
  if (v === undefined || v === 'BOTH') return 'BOTH';
  if (v === 'LONG' || v === 'SHORT') return v;
  throw new MalformedPayloadError(`positionSide must be LONG, SHORT or BOTH, got ${v}`);
}

const ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: 'NEW',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  EXPIRED_IN_MATCH: 'EXPIRED',
  REJECTED: 'REJECTED',
  NEW_INSURANCE: 'NEW',
  NEW_ADL: 'NEW',
};

/** Algo (conditional) order lifecycle → order status: a triggered or finished stop has done its work. */
const ALGO_STATUS: Readonly<Record<string, OrderStatus>> = {
  NEW: 'NEW',
  TRIGGERING: 'NEW',
  TRIGGERED: 'FILLED',
  FINISHED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
};

function mapStatus(table: Readonly<Record<string, OrderStatus>>, v: string, what: string): OrderStatus {
  const s = table[v];
  if (!s) throw new MalformedPayloadError(`${what} ${v} is not a known status`);
  return s;
}

function filterOf(filters: readonly unknown[], type: string): Raw | undefined {
  for (const f of filters) {
    const raw = asRaw(f, 'filter');
    if (raw.filterType === type) return raw;
  }
  return undefined;
}

/** Symbol rules from one exchangeInfo symbol entry plus the account's commission rates. */
export function binanceRules(
  unifiedSymbol: string,
  info: Raw,
  fees: { maker: Decimal; taker: Decimal },
): SymbolRules {
  const filters = rawList(info.filters, 'filters');
  const price = filterOf(filters, 'PRICE_FILTER');
  const lot = filterOf(filters, 'LOT_SIZE');
  const notional = filterOf(filters, 'MIN_NOTIONAL');
  if (!price || !lot)
    throw new MalformedPayloadError(`exchangeInfo ${String(info.symbol)} lacks PRICE_FILTER or LOT_SIZE`);
  return symbolRules({
    symbol: unifiedSymbol,
    tickSize: decField(price, 'tickSize').toFixed(),
    stepSize: decField(lot, 'stepSize').toFixed(),
    minQty: decField(lot, 'minQty').toFixed(),
    maxQty: decField(lot, 'maxQty').toFixed(),
    minNotional: notional ? decField(notional, 'notional').toFixed() : '0',
    contractSize: '1',
    makerFee: fees.maker.toFixed(),
    takerFee: fees.taker.toFixed(),
  });
}

function orderKind(type: string): ExchangeOrder['kind'] {
  if (type === 'LIMIT') return 'limit';
  if (type === 'MARKET') return 'market';
  return 'stop';
}

/** A REST order (`/fapi/v1/order`) or algo order (`/fapi/v1/algoOrder`) body. */
export function parseBinanceOrder(raw: unknown, unifiedSymbol: string): ExchangeOrder {
  const o = asRaw(raw, 'order');
  if (o.algoId !== undefined) {
    const closePosition = boolField(o, 'closePosition');
    return {
      symbol: unifiedSymbol,
      clientOrderId: strField(o, 'clientAlgoId'),
      exchangeOrderId: idField(o, 'algoId'),
      kind: 'stop',
      side: binanceSide(strField(o, 'side')),
      positionSide: binancePositionSide(optStrField(o, 'positionSide')),
      triggerPrice: optDecField(o, 'triggerPrice'),
      closePosition,
      qty: optDecField(o, 'quantity') ?? ZERO,
      filledQty: optDecField(o, 'executedQty') ?? ZERO,
      status: mapStatus(ALGO_STATUS, strField(o, 'algoStatus'), 'algoStatus'),
      reduceOnly: boolField(o, 'reduceOnly'),
      updatedAt: timeField(o, o.updateTime !== undefined ? 'updateTime' : 'createTime'),
    };
  }
  const type = strField(o, 'type');
  const kind = orderKind(type);
  const stopPrice = optDecField(o, 'stopPrice');
  return {
    symbol: unifiedSymbol,
    clientOrderId: strField(o, 'clientOrderId'),
    exchangeOrderId: idField(o, 'orderId'),
    kind,
    side: binanceSide(strField(o, 'side')),
    positionSide: binancePositionSide(optStrField(o, 'positionSide')),
    price: kind === 'limit' ? decField(o, 'price') : undefined,
    triggerPrice: kind === 'stop' && stopPrice && !stopPrice.isZero() ? stopPrice : undefined,
    closePosition: boolField(o, 'closePosition'),
    qty: decField(o, 'origQty'),
    filledQty: decField(o, 'executedQty'),
    status: mapStatus(ORDER_STATUS, strField(o, 'status'), 'status'),
    reduceOnly: boolField(o, 'reduceOnly'),
    updatedAt: timeField(o, o.updateTime !== undefined ? 'updateTime' : 'time'),
  };
}

/** A `/fapi/v1/userTrades` row. Binance omits the client order id there; the caller supplies it. */
export function parseBinanceTrade(raw: unknown, unifiedSymbol: string, clientOrderId: string): Fill {
  const t = asRaw(raw, 'trade');
  return {
    tradeId: numericIdField(t, 'id'),
    symbol: unifiedSymbol,
    clientOrderId,
    exchangeOrderId: numericIdField(t, 'orderId'),
    side: binanceSide(strField(t, 'side')),
    positionSide: binancePositionSide(strField(t, 'positionSide')),
    price: positiveDecField(t, 'price'),
    qty: positiveDecField(t, 'qty'),
    fee: decField(t, 'commission'),
    isMaker: boolField(t, 'maker'),
    time: timeField(t, 'time'),
  };
}

/** A `/fapi/v3/positionRisk` row (v2 rows parse too). */
export function parseBinancePosition(raw: unknown, unifiedSymbol: string): Position {
  const p = asRaw(raw, 'position');
  return {
    symbol: unifiedSymbol,
    positionSide: binancePositionSide(optStrField(p, 'positionSide')),
    qty: decField(p, 'positionAmt'),
    entryPrice: decField(p, 'entryPrice'),
    markPrice: optDecField(p, 'markPrice'),
    liquidationPrice: optDecField(p, 'liquidationPrice'),
    unrealizedPnl: optDecField(p, 'unRealizedProfit'),
    leverage: optDecField(p, 'leverage'),
  };
}

/** One asset of `/fapi/v3/account` (or v2) `assets`, or of `/fapi/v2/balance`. */
export function parseBinanceBalance(accountBody: unknown, asset: string): Balance {
  const body = accountBody;
  const rows = Array.isArray(body) ? body : rawList(asRaw(body, 'account').assets, 'assets');
  for (const r of rows) {
    const a = asRaw(r, 'asset');
    if (a.asset !== asset) continue;
    const wallet = decField(a, a.walletBalance !== undefined ? 'walletBalance' : 'balance');
    const unrealizedPnl = decField(a, a.unrealizedProfit !== undefined ? 'unrealizedProfit' : 'crossUnPnl');
    return {
      asset,
      wallet,
      available: decField(a, 'availableBalance'),
      unrealizedPnl,
      marginBalance: optDecField(a, 'marginBalance') ?? wallet.plus(unrealizedPnl),
    };
  }
  return { asset, wallet: ZERO, available: ZERO, unrealizedPnl: ZERO, marginBalance: ZERO };
}

/** One `/fapi/v1/klines` row: `[openTime, "open", "high", "low", "close", "volume", ...]`. */
export function parseBinanceKline(raw: unknown): Candle {
  const row = rawList(raw, 'kline');
  const cell = (i: number, what: string): Decimal => decField({ v: row[i] }, 'v', what);
  return {
    openTime: timeField({ t: row[0] }, 't', 'kline open time'),
    open: cell(1, 'kline open'),
    high: cell(2, 'kline high'),
    low: cell(3, 'kline low'),
    close: cell(4, 'kline close'),
    volume: cell(5, 'kline volume'),
  };
}
