/**
 * Binance USD-M stream messages → domain stream events, read from the raw JSON strings.
 *
 * Entry points: `parseBinanceUserMessage` (ORDER_TRADE_UPDATE → order [+ fill when `x` is TRADE or
 * CALCULATED], ALGO_UPDATE → stop order, ACCOUNT_UPDATE → positions + the assets whose balance changed,
 * listenKeyExpired), `parseBinanceMarketMessage` (bookTicker, aggTrade, markPriceUpdate, kline).
 * Unknown event types yield `ignored`; a known event with a bad field throws `MalformedPayloadError`.
 */
import { ZERO } from '../../domain/money.js';
import type { ExchangeOrder, Fill, Position } from '../../domain/orders.js';
import type { MarketStreamEvent } from '../../ports/exchange.js';
import { binancePositionSide, binanceSide } from './binance-parse.js';
import {
  asRaw,
  boolField,
  decField,
  idField,
  MalformedPayloadError,
  nonNegativeDecField,
  numericIdField,
  optDecField,
  optStrField,
  positiveDecField,
  rawList,
  strField,
  timeField,
} from './raw.js';

export type SymbolOf = (venueSymbol: string) => string;

export type BinanceUserItem =
  | { readonly type: 'order'; readonly order: ExchangeOrder }
  | { readonly type: 'fill'; readonly fill: Fill }
  | { readonly type: 'position'; readonly position: Position }
  | { readonly type: 'balanceChanged'; readonly asset: string }
  | { readonly type: 'listenKeyExpired' };

const ORDER_STATUS = new Set(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

function unwrap(message: unknown): Record<string, unknown> {
  const m = asRaw(message, 'message');
  if (typeof m.stream === 'string' && m.data !== undefined)
    return asRaw(m.data, 'data') as Record<string, unknown>;
  return m as Record<string, unknown>;
}

export function parseBinanceUserMessage(message: unknown, symbolOf: SymbolOf): BinanceUserItem[] | 'ignored' {
  const m = unwrap(message);
  switch (m.e) {
    case 'ORDER_TRADE_UPDATE':
      return orderTradeUpdate(m, symbolOf);
    case 'ALGO_UPDATE':
      return [algoUpdate(m, symbolOf)];
    case 'ACCOUNT_UPDATE':
      return accountUpdate(m, symbolOf);
    case 'listenKeyExpired':
      return [{ type: 'listenKeyExpired' }];
    default:
      return 'ignored';
  }
}

function orderTradeUpdate(m: Record<string, unknown>, symbolOf: SymbolOf): BinanceUserItem[] {
  const o = asRaw(m.o, 'ORDER_TRADE_UPDATE.o');
  const symbol = symbolOf(strField(o, 's', 'o.s'));
  const type = strField(o, 'o', 'o.o');
  const status = strField(o, 'X', 'o.X');
  const kind: ExchangeOrder['kind'] = type === 'LIMIT' ? 'limit' : type === 'MARKET' ? 'market' : 'stop';
  const side = binanceSide(strField(o, 'S', 'o.S'), 'o.S');
  const positionSide = binancePositionSide(optStrField(o, 'ps'));
  const clientOrderId = strField(o, 'c', 'o.c');
  const exchangeOrderId = idField(o, 'i', 'o.i');
  const time = timeField(o, 'T', 'o.T');
  if (!ORDER_STATUS.has(status) && status !== 'EXPIRED_IN_MATCH') {
    throw new MalformedPayloadError(`o.X ${status} is not a known order status`);
  }
  const order: ExchangeOrder = {
    symbol,
    clientOrderId,
    exchangeOrderId,
    kind,
    side,
    positionSide,
    price: kind === 'limit' ? positiveDecField(o, 'p', 'o.p') : undefined,
    triggerPrice: kind === 'stop' ? optDecField(o, 'sp', 'o.sp') : undefined,
    closePosition: boolField(o, 'cp'),
    qty: nonNegativeDecField(o, 'q', 'o.q'),
    filledQty: nonNegativeDecField(o, 'z', 'o.z'),
    status: status === 'EXPIRED_IN_MATCH' ? 'EXPIRED' : (status as ExchangeOrder['status']),
    reduceOnly: boolField(o, 'R'),
    updatedAt: time,
  };
  const items: BinanceUserItem[] = [];
  const exec = strField(o, 'x', 'o.x');
  if (exec === 'TRADE' || exec === 'CALCULATED') {
    items.push({
      type: 'fill',
      fill: {
        tradeId: numericIdField(o, 't', 'o.t'),
        symbol,
        clientOrderId,
        exchangeOrderId,
        side,
        // A fill must say which side of a hedge-mode position it moved.
        positionSide: binancePositionSide(strField(o, 'ps', 'o.ps')),
        price: positiveDecField(o, 'L', 'o.L'),
        qty: positiveDecField(o, 'l', 'o.l'),
        fee: optDecField(o, 'n', 'o.n') ?? ZERO,
        isMaker: boolField(o, 'm'),
        time,
        // Binance reports liquidation executions as CALCULATED (order type LIQUIDATION).
        ...(exec === 'CALCULATED' || type === 'LIQUIDATION' ? { liquidation: true } : {}),
      },
    });
  }
  items.push({ type: 'order', order });
  return items;
}

const ALGO_STATUS: Readonly<Record<string, ExchangeOrder['status']>> = {
  NEW: 'NEW',
  TRIGGERING: 'NEW',
  TRIGGERED: 'FILLED',
  FINISHED: 'FILLED',
  CANCELED: 'CANCELED',
  EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
};

function algoUpdate(m: Record<string, unknown>, symbolOf: SymbolOf): BinanceUserItem {
  const o = asRaw(m.o, 'ALGO_UPDATE.o');
  const statusText = strField(o, 'X', 'o.X');
  const status = ALGO_STATUS[statusText];
  if (!status) throw new MalformedPayloadError(`o.X ${statusText} is not a known algo status`);
  return {
    type: 'order',
    order: {
      symbol: symbolOf(strField(o, 's', 'o.s')),
      clientOrderId: strField(o, 'caid', 'o.caid'),
      exchangeOrderId: idField(o, 'aid', 'o.aid'),
      kind: 'stop',
      side: binanceSide(strField(o, 'S', 'o.S'), 'o.S'),
      positionSide: binancePositionSide(optStrField(o, 'ps')),
      triggerPrice: optDecField(o, 'tp', 'o.tp'),
      closePosition: boolField(o, 'cp'),
      qty: optDecField(o, 'q', 'o.q') ?? ZERO,
      filledQty: optDecField(o, 'aq', 'o.aq') ?? ZERO,
      status,
      reduceOnly: boolField(o, 'R'),
      updatedAt: timeField(m, 'T', 'T'),
    },
  };
}

function accountUpdate(m: Record<string, unknown>, symbolOf: SymbolOf): BinanceUserItem[] {
  const a = asRaw(m.a, 'ACCOUNT_UPDATE.a');
  const items: BinanceUserItem[] = [];
  for (const raw of a.P === undefined ? [] : rawList(a.P, 'a.P')) {
    const p = asRaw(raw, 'a.P[]');
    items.push({
      type: 'position',
      position: {
        symbol: symbolOf(strField(p, 's', 'P.s')),
        positionSide: binancePositionSide(optStrField(p, 'ps')),
        qty: decField(p, 'pa', 'P.pa'),
        entryPrice: decField(p, 'ep', 'P.ep'),
        unrealizedPnl: optDecField(p, 'up', 'P.up'),
      },
    });
  }
  for (const raw of a.B === undefined ? [] : rawList(a.B, 'a.B')) {
    const b = asRaw(raw, 'a.B[]');
    decField(b, 'wb', 'B.wb');
    items.push({ type: 'balanceChanged', asset: strField(b, 'a', 'B.a') });
  }
  return items;
}

export function parseBinanceMarketMessage(
  message: unknown,
  symbolOf: SymbolOf,
): Exclude<MarketStreamEvent, { type: 'connection' | 'malformed' }> | 'ignored' {
  const m = unwrap(message);
  // bookTicker events on some streams arrive without `e`; recognise them by their fields.
  const event =
    m.e ?? (m.b !== undefined && m.a !== undefined && m.u !== undefined ? 'bookTicker' : undefined);
  switch (event) {
    case 'bookTicker':
      return {
        type: 'bookTop',
        symbol: symbolOf(strField(m, 's')),
        bid: decField(m, 'b'),
        bidQty: decField(m, 'B'),
        ask: decField(m, 'a'),
        askQty: decField(m, 'A'),
        time: timeField(m, m.T !== undefined ? 'T' : 'E'),
      };
    case 'aggTrade':
    case 'trade':
      return {
        type: 'trade',
        symbol: symbolOf(strField(m, 's')),
        id: idField(m, event === 'aggTrade' ? 'a' : 't'),
        price: decField(m, 'p'),
        qty: decField(m, 'q'),
        // `m` = the buyer is the maker, so the taker sold.
        takerSide: boolField(m, 'm') ? 'sell' : 'buy',
        time: timeField(m, 'T'),
      };
    case 'markPriceUpdate':
      return {
        type: 'markPrice',
        symbol: symbolOf(strField(m, 's')),
        mark: decField(m, 'p'),
        fundingRate: optDecField(m, 'r'),
        time: timeField(m, 'E'),
      };
    case 'kline': {
      const k = asRaw(m.k, 'k');
      return {
        type: 'candle',
        symbol: symbolOf(strField(m, 's')),
        candle: {
          openTime: timeField(k, 't', 'k.t'),
          open: decField(k, 'o', 'k.o'),
          high: decField(k, 'h', 'k.h'),
          low: decField(k, 'l', 'k.l'),
          close: decField(k, 'c', 'k.c'),
          volume: decField(k, 'v', 'k.v'),
        },
        closed: boolField(k, 'x'),
      };
    }
    default:
      return 'ignored';
  }
}
