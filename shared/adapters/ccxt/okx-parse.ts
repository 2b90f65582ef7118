/**
 * OKX v5 swap payloads → domain types, from the raw JSON strings. OKX counts sizes in contracts: every
 * quantity is multiplied by the contract value (`ctVal`) into coins here. OKX reports fees as negative
 * numbers when charged; the domain's fee is positive when paid, so the sign flips.
 *
 * Entry points: `okxRules`, `parseOkxOrder` (regular and algo), `parseOkxFill`, `parseOkxPosition`,
 * `parseOkxBalance`, `parseOkxCandle`, `parseOkxUserMessage`, `parseOkxMarketMessage`.
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
} from '../../domain/orders.js';
import { type SymbolRules, symbolRules } from '../../domain/symbol-rules.js';
import type { SymbolOf } from './binance-stream-parse.js';
import type { MarketItem, UserItem } from './dialect.js';
import {
  asRaw,
  boolField,
  decField,
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

export function okxRules(
  unifiedSymbol: string,
  inst: Raw,
  fees: { maker: Decimal; taker: Decimal },
): SymbolRules {
  return symbolRules({
    symbol: unifiedSymbol,
    tickSize: decField(inst, 'tickSz').toFixed(),
    stepSize: decField(inst, 'lotSz').toFixed(),
    minQty: decField(inst, 'minSz').toFixed(),
    maxQty: optDecField(inst, 'maxLmtSz')?.toFixed(),
    minNotional: '0',
    // Coins per contract: the contract value times its multiplier (1 on linear swaps).
    contractSize: decField(inst, 'ctVal')
      .times(optDecField(inst, 'ctMult') ?? 1)
      .toFixed(),
    makerFee: fees.maker.toFixed(),
    takerFee: fees.taker.toFixed(),
  });
}

function side(v: string): 'buy' | 'sell' {
  if (v === 'buy' || v === 'sell') return v;
  throw new MalformedPayloadError(`side must be buy or sell, got ${v}`);
}

export function okxPositionSide(v: string | undefined): PositionSide {
  if (v === 'long') return 'LONG';
  if (v === 'short') return 'SHORT';
  if (v === undefined || v === 'net' || v === '') return 'BOTH';
  throw new MalformedPayloadError(`posSide must be long, short or net, got ${v}`);
}

const ORDER_STATE: Readonly<Record<string, OrderStatus>> = {
  live: 'NEW',
  partially_filled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  canceled: 'CANCELED',
  mmp_canceled: 'CANCELED',
};

const ALGO_STATE: Readonly<Record<string, OrderStatus>> = {
  live: 'NEW',
  pause: 'NEW',
  partially_effective: 'PARTIALLY_FILLED',
  effective: 'FILLED',
  canceled: 'CANCELED',
  order_failed: 'REJECTED',
};

function state(table: Readonly<Record<string, OrderStatus>>, v: string): OrderStatus {
  const s = table[v];
  if (!s) throw new MalformedPayloadError(`state ${v} is not a known OKX order state`);
  return s;
}

const coins = (o: Raw, key: string, rules: SymbolRules): Decimal => {
  const v = optDecField(o, key);
  return v === undefined ? ZERO : v.times(rules.contractSize);
};

const ALGO_ORD_TYPES = new Set([
  'conditional',
  'oco',
  'trigger',
  'move_order_stop',
  'iceberg',
  'twap',
  'chase',
]);

/** An algo (stop) row: an algo order type, or an algo id without an order id (`ordId` is "" on algo rows). */
function isAlgoRow(o: Raw): boolean {
  const ordType = optStrField(o, 'ordType');
  if (ordType !== undefined && ALGO_ORD_TYPES.has(ordType)) return true;
  return !!optStrField(o, 'algoId') && !optStrField(o, 'ordId') && o.algoId !== undefined;
}

/**
 * The client id of a regular order or fill row: its `clOrdId`, or — for the child order a triggered stop
 * placed, which OKX leaves without one — the stop's `algoClOrdId`, so the fill is the stop's.
 */
function clientIdOf(o: Raw): string {
  return optStrField(o, 'clOrdId') || optStrField(o, 'algoClOrdId') || '';
}

/** `/trade/order`, `/trade/orders-pending` rows, or algo rows (`algoId`) of `/trade/order-algo`. */
export function parseOkxOrder(raw: unknown, symbol: string, rules: SymbolRules): ExchangeOrder {
  const o = asRaw(raw, 'order');
  if (isAlgoRow(o)) {
    const trigger =
      optDecField(o, 'slTriggerPx') ?? optDecField(o, 'tpTriggerPx') ?? optDecField(o, 'triggerPx');
    return {
      symbol,
      clientOrderId: strField(o, 'algoClOrdId'),
      exchangeOrderId: numericIdField(o, 'algoId'),
      kind: 'stop',
      side: side(strField(o, 'side')),
      positionSide: okxPositionSide(optStrField(o, 'posSide')),
      triggerPrice: trigger,
      closePosition: optStrField(o, 'closeFraction') === '1',
      qty: coins(o, 'sz', rules),
      filledQty: coins(o, 'actualSz', rules),
      status: state(ALGO_STATE, strField(o, 'state')),
      reduceOnly: boolField(o, 'reduceOnly'),
      updatedAt: timeField(o, o.uTime !== undefined && o.uTime !== '' ? 'uTime' : 'cTime'),
    };
  }
  const ordType = strField(o, 'ordType');
  const kind = ordType === 'market' || ordType === 'optimal_limit_ioc' ? 'market' : 'limit';
  return {
    symbol,
    clientOrderId: clientIdOf(o),
    exchangeOrderId: numericIdField(o, 'ordId'),
    kind,
    side: side(strField(o, 'side')),
    positionSide: okxPositionSide(optStrField(o, 'posSide')),
    price: kind === 'limit' ? decField(o, 'px') : undefined,
    qty: coins(o, 'sz', rules),
    filledQty: coins(o, 'accFillSz', rules),
    status: state(ORDER_STATE, strField(o, 'state')),
    reduceOnly: boolField(o, 'reduceOnly'),
    updatedAt: timeField(o, o.uTime !== undefined && o.uTime !== '' ? 'uTime' : 'cTime'),
    // OKX cancels a post-only order that would take, after accepting it (`cancelSource` 31).
    ...(optStrField(o, 'cancelSource') === '31' ? { cancelReason: 'post_only_would_take' as const } : {}),
  };
}

/** A `/trade/fills` row or a fill inside an `orders` push (`fillSz` > 0). */
export function parseOkxFill(raw: unknown, symbol: string, rules: SymbolRules): Fill {
  const f = asRaw(raw, 'fill');
  const fee = optDecField(f, 'fillFee') ?? decField(f, 'fee');
  return {
    tradeId: numericIdField(f, 'tradeId'),
    symbol,
    clientOrderId: clientIdOf(f),
    exchangeOrderId: numericIdField(f, 'ordId'),
    side: side(strField(f, 'side')),
    positionSide: okxPositionSide(optStrField(f, 'posSide')),
    price: positiveDecField(f, 'fillPx'),
    qty: positiveDecField(f, 'fillSz').times(rules.contractSize),
    fee: fee.negated(),
    isMaker: optStrField(f, 'execType') === 'M',
    time: timeField(f, f.fillTime !== undefined ? 'fillTime' : 'ts'),
  };
}

export function parseOkxPosition(raw: unknown, symbol: string, rules: SymbolRules): Position {
  const p = asRaw(raw, 'position');
  const positionSide = okxPositionSide(optStrField(p, 'posSide'));
  const size = coins(p, 'pos', rules);
  return {
    symbol,
    positionSide,
    qty: positionSide === 'SHORT' ? size.abs().negated() : size,
    entryPrice: optDecField(p, 'avgPx') ?? ZERO,
    markPrice: optDecField(p, 'markPx'),
    liquidationPrice: optDecField(p, 'liqPx'),
    unrealizedPnl: optDecField(p, 'upl'),
    leverage: optDecField(p, 'lever'),
  };
}

export function parseOkxBalance(body: unknown, asset: string): Balance {
  const data = rawList(asRaw(body, 'balance').data, 'data');
  for (const acct of data) {
    for (const d of rawList(asRaw(acct, 'account').details, 'details')) {
      const row = asRaw(d, 'detail');
      if (row.ccy !== asset) continue;
      const wallet = decField(row, 'cashBal');
      const upl = optDecField(row, 'upl') ?? ZERO;
      return {
        asset,
        wallet,
        available: optDecField(row, 'availBal') ?? optDecField(row, 'availEq') ?? wallet,
        unrealizedPnl: upl,
        marginBalance: optDecField(row, 'eq') ?? wallet.plus(upl),
      };
    }
  }
  return { asset, wallet: ZERO, available: ZERO, unrealizedPnl: ZERO, marginBalance: ZERO };
}

/** `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`; volume in coins is `volCcy` on swaps. */
export function parseOkxCandle(raw: unknown): Candle {
  const row = rawList(raw, 'candle');
  const cell = (i: number, what: string) => decField({ v: row[i] }, 'v', what);
  return {
    openTime: timeField({ t: row[0] }, 't', 'candle time'),
    open: cell(1, 'candle open'),
    high: cell(2, 'candle high'),
    low: cell(3, 'candle low'),
    close: cell(4, 'candle close'),
    volume: cell(6, 'candle volCcy'),
  };
}

type RulesOf = (symbol: string) => SymbolRules | undefined;

function rulesFor(rulesOf: RulesOf, symbol: string): SymbolRules {
  const r = rulesOf(symbol);
  if (!r) throw new MalformedPayloadError(`no rules loaded for ${symbol}: call loadRules first`);
  return r;
}

export function parseOkxUserMessage(
  message: unknown,
  symbolOf: SymbolOf,
  rulesOf: RulesOf,
): UserItem[] | 'ignored' {
  // The text keep-alive answer (`ping` → `pong`) is not data.
  if (message === 'pong') return 'ignored';
  const m = asRaw(message, 'message');
  if (m.arg === undefined || m.data === undefined) return 'ignored';
  const channel = asRaw(m.arg, 'arg').channel;
  const rows = rawList(m.data, 'data').map((r) => asRaw(r, `${String(channel)} row`));
  const items: UserItem[] = [];
  switch (channel) {
    case 'orders':
    case 'orders-algo':
      for (const r of rows) {
        const symbol = symbolOf(strField(r, 'instId'));
        const rules = rulesFor(rulesOf, symbol);
        if (
          channel === 'orders' &&
          optStrField(r, 'tradeId') &&
          (optDecField(r, 'fillSz')?.greaterThan(0) ?? false)
        ) {
          items.push({ type: 'fill', fill: parseOkxFill(r, symbol, rules) });
        }
        items.push({ type: 'order', order: parseOkxOrder(r, symbol, rules) });
      }
      return items;
    case 'positions':
      for (const r of rows) {
        const symbol = symbolOf(strField(r, 'instId'));
        items.push({ type: 'position', position: parseOkxPosition(r, symbol, rulesFor(rulesOf, symbol)) });
      }
      return items;
    case 'account':
      for (const r of rows)
        for (const d of rawList(r.details ?? [], 'details'))
          items.push({ type: 'balanceChanged', asset: strField(asRaw(d, 'detail'), 'ccy') });
      return items;
    default:
      return 'ignored';
  }
}

export function parseOkxMarketMessage(
  message: unknown,
  symbolOf: SymbolOf,
  contractSizeOf: (symbol: string) => Decimal,
): MarketItem | 'ignored' {
  if (message === 'pong') return 'ignored';
  const m = asRaw(message, 'message');
  if (m.arg === undefined || m.data === undefined) return 'ignored';
  const arg = asRaw(m.arg, 'arg');
  const symbol = symbolOf(strField(arg, 'instId'));
  const row = rawList(m.data, 'data')[0];
  if (row === undefined) return 'ignored';
  switch (arg.channel) {
    case 'bbo-tbt': {
      const r = asRaw(row, 'bbo');
      const bid = rawList(rawList(r.bids, 'bids')[0], 'bid');
      const ask = rawList(rawList(r.asks, 'asks')[0], 'ask');
      return {
        type: 'bookTop',
        symbol,
        bid: decField({ v: bid[0] }, 'v', 'bid price'),
        bidQty: decField({ v: bid[1] }, 'v', 'bid size'),
        ask: decField({ v: ask[0] }, 'v', 'ask price'),
        askQty: decField({ v: ask[1] }, 'v', 'ask size'),
        time: timeField(r, 'ts'),
      };
    }
    case 'trades': {
      const r = asRaw(row, 'trade');
      return {
        type: 'trade',
        symbol,
        id: numericIdField(r, 'tradeId'),
        price: positiveDecField(r, 'px'),
        qty: decField(r, 'sz').times(contractSizeOf(symbol)),
        takerSide: side(strField(r, 'side')),
        time: timeField(r, 'ts'),
      };
    }
    case 'mark-price': {
      const r = asRaw(row, 'mark');
      return { type: 'markPrice', symbol, mark: decField(r, 'markPx'), time: timeField(r, 'ts') };
    }
    case 'candle1m':
      return {
        type: 'candle',
        symbol,
        candle: parseOkxCandle(row),
        closed: rawList(row, 'candle')[8] === '1',
      };
    default:
      return 'ignored';
  }
}
