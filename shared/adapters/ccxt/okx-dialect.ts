/**
 * OKX perpetual swaps through ccxt `okx` (4.5): sizes in contracts (`coins / ctVal`), `posSide`
 * long / short in hedge mode and net in one-way mode, cross margin (`tdMode: cross`).
 *
 * Traps handled here:
 *  - `reduceOnly` is only valid in net mode; in long / short mode the `posSide` makes a close a close.
 *  - Stops are algo orders (`POST /api/v5/trade/order-algo`, `ordType: conditional`, market `slOrdPx: -1`,
 *    `slTriggerPxType: mark | last`, `closeFraction: 1` for the whole position). ccxt would put our client
 *    id in `clOrdId`, which the algo endpoint does not keep: it goes in `algoClOrdId` instead, and lookups
 *    and cancels of stops use `algoClOrdId` with `trigger: true`.
 *  - Order placement answers only ids; the placed order is described from the request.
 *  - Fees are negative when charged (`makerU` / `fee`): the domain's are positive when paid.
 */
import { leverageBracketsSchema } from '../../domain/analysis/leverage.js';
import { type Decimal, dec, fmt } from '../../domain/money.js';
import type { ExchangeOrder, OrderRequest, PositionSide } from '../../domain/orders.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import { type AmendRequest, ExchangeError, type MarketChannel } from '../../ports/exchange.js';
import type { CcxtClient } from './client.js';
import type { OrderCall, VenueDialect } from './dialect.js';
import {
  okxRules,
  parseOkxBalance,
  parseOkxCandle,
  parseOkxFill,
  parseOkxMarketMessage,
  parseOkxOrder,
  parseOkxPosition,
  parseOkxUserMessage,
} from './okx-parse.js';
import { asRaw, decField, idField, optStrField, rawList, strField, timeField } from './raw.js';

type Params = Record<string, unknown>;

interface OkxImplicit {
  privateGetAccountTradeFee(p: Params): Promise<unknown>;
  privateGetAccountPositions(p: Params): Promise<unknown>;
  privateGetAccountBalance(p: Params): Promise<unknown>;
  privateGetTradeFills(p: Params): Promise<unknown>;
  privateGetTradeOrder(p: Params): Promise<unknown>;
  privateGetAccountLeverageInfo(p: Params): Promise<unknown>;
  publicGetPublicPositionTiers(p: Params): Promise<unknown>;
  privateGetAccountConfig(p: Params): Promise<unknown>;
  privatePostAccountSetPositionMode(p: Params): Promise<unknown>;
  publicGetMarketCandles(p: Params): Promise<unknown>;
  publicGetPublicMarkPrice(p: Params): Promise<unknown>;
  publicGetMarketTicker(p: Params): Promise<unknown>;
}

const api = (ex: CcxtClient) => ex as unknown as OkxImplicit;
const instId = (ex: CcxtClient, symbol: string) => ex.market(symbol).id as string;
const firstRow = (body: unknown, what: string) =>
  asRaw(rawList(asRaw(body, what).data, `${what}.data`)[0], what);

function posSide(ps: PositionSide): string {
  return ps === 'LONG' ? 'long' : ps === 'SHORT' ? 'short' : 'net';
}

function contracts(coins: Decimal, rules: SymbolRules): string {
  return fmt(coins.dividedBy(rules.contractSize));
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function timeframeMs(timeframe: string): number {
  const m = /^(\d+)([mhdw])$/.exec(timeframe);
  if (!m) throw new ExchangeError('fatal', `timeframe ${timeframe} is not one OKX serves`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** OKX bar names: minutes lower case, hours and days upper case (`1m`, `1H`, `1D`). */
function bar(timeframe: string): string {
  return timeframe.replace(/h$/, 'H').replace(/d$/, 'D').replace(/w$/, 'W');
}

export function okxOrderCall(req: OrderRequest, rules: SymbolRules): OrderCall {
  const net = req.positionSide === 'BOTH';
  const params: Params = { positionSide: posSide(req.positionSide), marginMode: 'cross' };
  switch (req.type) {
    case 'limit':
      params.clientOrderId = req.clientOrderId;
      if (req.timeInForce === 'GTX') params.postOnly = true;
      else if (req.timeInForce === 'IOC') params.timeInForce = 'IOC';
      if (req.reduceOnly && net) params.reduceOnly = true;
      return {
        type: 'limit',
        side: req.side,
        amount: contracts(req.qty, rules),
        price: fmt(req.price),
        params,
      };
    case 'market':
      params.clientOrderId = req.clientOrderId;
      if (req.reduceOnly && net) params.reduceOnly = true;
      return { type: 'market', side: req.side, amount: contracts(req.qty, rules), price: undefined, params };
    case 'stop_market':
    case 'take_profit_market': {
      const sl = req.type === 'stop_market';
      params.algoClOrdId = req.clientOrderId;
      params[sl ? 'stopLossPrice' : 'takeProfitPrice'] = fmt(req.triggerPrice);
      params[sl ? 'slTriggerPxType' : 'tpTriggerPxType'] = req.workingType === 'MARK_PRICE' ? 'mark' : 'last';
      if (req.closePosition) {
        params.closeFraction = '1';
        if (net) params.reduceOnly = true;
        return { type: 'market', side: req.side, amount: undefined, price: undefined, params };
      }
      if (!req.qty) throw new Error(`stop ${req.clientOrderId} needs qty or closePosition`);
      if (net) params.reduceOnly = true;
      return { type: 'market', side: req.side, amount: contracts(req.qty, rules), price: undefined, params };
    }
  }
}

/** OKX answers a placement with ids only: describe the placed order from the request. */
function placedOrder(info: unknown, req: OrderRequest): ExchangeOrder {
  const o = asRaw(info, 'placement');
  const base = {
    symbol: req.symbol,
    clientOrderId: req.clientOrderId,
    side: req.side,
    positionSide: req.positionSide,
    filledQty: dec('0'),
    status: 'NEW' as const,
    updatedAt: optStrField(o, 'ts') ? timeField(o, 'ts') : 0,
  };
  if (req.type === 'limit' || req.type === 'market') {
    return {
      ...base,
      exchangeOrderId: idField(o, 'ordId'),
      kind: req.type,
      price: req.type === 'limit' ? req.price : undefined,
      qty: req.qty,
      reduceOnly: req.reduceOnly ?? false,
    };
  }
  return {
    ...base,
    exchangeOrderId: idField(o, 'algoId'),
    kind: 'stop',
    triggerPrice: req.triggerPrice,
    closePosition: req.closePosition,
    qty: req.qty ?? dec('0'),
    reduceOnly: true,
  };
}

export const okxDialect: VenueDialect = {
  venue: 'okx',
  supportsAmend: true,
  refetchAfterAmend: true,
  stopParams: { trigger: true },
  openStopsParams: { trigger: true, ordType: 'conditional' },
  parseSubmit: (info, req) => placedOrder(info, req),

  async loadRules(ex, symbol) {
    await ex.loadMarkets();
    const market = ex.market(symbol);
    const info = asRaw(market.info, 'instrument');
    const fees = firstRow(
      await api(ex).privateGetAccountTradeFee({ instType: 'SWAP', instFamily: strField(info, 'instFamily') }),
      'trade-fee',
    );
    const quoteIsUsdt = market.settle === 'USDT';
    return okxRules(market.symbol, info, {
      maker: decField(fees, quoteIsUsdt ? 'makerU' : 'makerUSDC').negated(),
      taker: decField(fees, quoteIsUsdt ? 'takerU' : 'takerUSDC').negated(),
    });
  },

  orderCall: okxOrderCall,

  amendCall(req: AmendRequest, rules: SymbolRules): OrderCall {
    return {
      type: 'limit',
      side: req.side,
      amount: contracts(req.qty, rules),
      price: fmt(req.price),
      params: { clientOrderId: req.clientOrderId },
    };
  },

  clientIdParams: (clientOrderId) => ({ clientOrderId }),
  parseOrder: (info, symbol, rules) => parseOkxOrder(info, symbol, rules),
  parseCancel: () => null,

  async fetchPosition(ex, symbol, rules) {
    const body = asRaw(
      await api(ex).privateGetAccountPositions({ instType: 'SWAP', instId: instId(ex, symbol) }),
      'positions',
    );
    return rawList(body.data, 'positions.data').map((r) => parseOkxPosition(r, symbol, rules));
  },

  async fetchBalance(ex, asset) {
    return parseOkxBalance(await api(ex).privateGetAccountBalance({ ccy: asset }), asset);
  },

  /**
   * Fills after the cursor, oldest first. OKX pages newest first (100 at most): pages go back in time by
   * `after` (bill id) until one reaches the cursor, so a burst larger than a page is never cut short.
   */
  async fetchTrades(ex, symbol, cursor, limit, rules, clientIdOf) {
    const base: Params = { instType: 'SWAP', instId: instId(ex, symbol), limit: Math.min(limit, 100) };
    if (cursor) base.begin = String(cursor.time);
    const isAfter = (f: { time: number; tradeId: string }) =>
      !cursor ||
      f.time > cursor.time ||
      (f.time === cursor.time && BigInt(f.tradeId) > BigInt(cursor.tradeId));
    const fills = [];
    let after: string | undefined;
    for (let page = 0; page < 50; page++) {
      const rows = rawList(
        asRaw(await api(ex).privateGetTradeFills(after ? { ...base, after } : base), 'fills').data,
        'fills.data',
      ).map((r) => asRaw(r, 'fill'));
      for (const r of rows) {
        const fill = parseOkxFill(r, symbol, rules);
        if (!isAfter(fill)) continue;
        fills.push(
          fill.clientOrderId ? fill : { ...fill, clientOrderId: await clientIdOf(fill.exchangeOrderId) },
        );
      }
      const oldest = rows[rows.length - 1];
      if (!cursor || !oldest || rows.length < (base.limit as number)) break;
      const oldestFill = parseOkxFill(oldest, symbol, rules);
      if (!isAfter(oldestFill)) break;
      after = idField(oldest, 'billId');
      if (fills.length >= limit) break;
    }
    return fills.sort((a, b) => a.time - b.time || (BigInt(a.tradeId) < BigInt(b.tradeId) ? -1 : 1));
  },

  async lookupClientId(ex, symbol, exchangeOrderId) {
    const row = firstRow(
      await api(ex).privateGetTradeOrder({ instId: instId(ex, symbol), ordId: exchangeOrderId }),
      'order',
    );
    return optStrField(row, 'clOrdId') || optStrField(row, 'algoClOrdId') || '';
  },

  /** Newest first on OKX; the window is pinned on both sides so `since` is honoured, oldest first here. */
  async fetchCandles(ex, symbol, timeframe, since, limit) {
    const params: Params = { instId: instId(ex, symbol), bar: bar(timeframe) };
    const n = Math.min(limit ?? 300, 300);
    params.limit = n;
    if (since !== undefined) {
      params.before = String(since - 1);
      params.after = String(since + n * timeframeMs(timeframe));
    }
    const rows = rawList(asRaw(await api(ex).publicGetMarketCandles(params), 'candles').data, 'candles.data');
    return rows.map(parseOkxCandle).reverse();
  },

  async fetchPrice(ex, symbol) {
    const id = instId(ex, symbol);
    const [mark, ticker] = await Promise.all([
      api(ex).publicGetPublicMarkPrice({ instType: 'SWAP', instId: id }),
      api(ex).publicGetMarketTicker({ instId: id }),
    ]);
    const m = firstRow(mark, 'mark-price');
    return {
      last: decField(firstRow(ticker, 'ticker'), 'last'),
      mark: decField(m, 'markPx'),
      time: timeField(m, 'ts'),
    };
  },

  async setHedgeMode(ex, on) {
    await api(ex).privatePostAccountSetPositionMode({ posMode: on ? 'long_short_mode' : 'net_mode' });
  },

  /**
   * OKX swap tiers are stated in contracts (`minSz` / `maxSz`); the domain's brackets are notional, so each
   * tier is valued at the current mark price (what the position would be worth now).
   */
  async fetchLeverageBrackets(ex, symbol) {
    const market = ex.market(symbol);
    const family = strField(asRaw(market.info, 'instrument'), 'instFamily');
    const [tiersBody, markBody] = await Promise.all([
      api(ex).publicGetPublicPositionTiers({ instType: 'SWAP', tdMode: 'cross', instFamily: family }),
      api(ex).publicGetPublicMarkPrice({ instType: 'SWAP', instId: market.id }),
    ]);
    const perContract = decField(firstRow(markBody, 'mark-price'), 'markPx').times(
      decField(asRaw(market.info, 'instrument'), 'ctVal'),
    );
    const rows = rawList(asRaw(tiersBody, 'position-tiers').data, 'position-tiers.data').map((r) =>
      asRaw(r, 'tier'),
    );
    const parsed = leverageBracketsSchema.safeParse(
      rows.map((r) => ({
        notionalFloor: fmt(decField(r, 'minSz').times(perContract)),
        notionalCap: fmt(decField(r, 'maxSz').times(perContract)),
        initialLeverage: Number(strField(r, 'maxLever')),
        maintMarginRatio: fmt(decField(r, 'mmr')),
      })),
    );
    if (!parsed.success)
      throw new ExchangeError(
        'fatal',
        `position tiers of ${symbol} are malformed: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      );
    return parsed.data;
  },

  async fetchLeverage(ex, symbol) {
    const row = firstRow(
      await api(ex).privateGetAccountLeverageInfo({ instId: instId(ex, symbol), mgnMode: 'cross' }),
      'leverage-info',
    );
    const lever = decField(row, 'lever', 'leverage-info.lever');
    return lever.greaterThan(0) ? lever : null;
  },

  async fetchHedgeMode(ex) {
    return (
      firstRow(await api(ex).privateGetAccountConfig({}), 'account config').posMode === 'long_short_mode'
    );
  },

  parseUserMessage: (message, ex, rulesOf) =>
    parseOkxUserMessage(message, (id) => ex.safeSymbol(id, undefined, undefined, 'swap'), rulesOf),
  parseMarketMessage: (message, ex) =>
    parseOkxMarketMessage(
      message,
      (id) => ex.safeSymbol(id, undefined, undefined, 'swap'),
      (symbol) => decField(asRaw(ex.market(symbol).info, 'instrument'), 'ctVal'),
    ),
  /**
   * OKX spreads the user stream over channels and URLs: `orders` (fills and order states), `positions` and
   * `account` on `/private`, stops on `orders-algo` on `/business`. The next message on any of them resolves.
   */
  watchUser: (ex) =>
    Promise.race([
      ex.watchOrders(),
      ex.watchOrders(undefined, undefined, undefined, { trigger: true }),
      ex.watchPositions(),
      ex.watchBalance(),
    ]),
  watchMarket(ex: CcxtClient, symbol: string, channel: MarketChannel): Promise<unknown> {
    switch (channel) {
      case 'bookTop':
        return ex.watchBidsAsks([symbol]);
      case 'trades':
        return ex.watchTrades(symbol);
      case 'markPrice':
        return ex.watchMarkPrice(symbol);
      case 'candles1m':
        return ex.watchOHLCV(symbol, '1m');
    }
  },
  // `/business` also carries candles: the stream hub hands what the user parser ignores to the market one.
  isUserUrl: (url) => url.includes('/private') || url.includes('/business'),
  resetUserAuth: () => undefined,
};
