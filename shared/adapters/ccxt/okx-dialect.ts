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
import type { Candle, ExchangeOrder, OrderRequest, PositionSide } from '../../domain/orders.js';
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
  publicGetMarketHistoryCandles(p: Params): Promise<unknown>;
  privateGetTradeFillsHistory(p: Params): Promise<unknown>;
  publicGetPublicMarkPrice(p: Params): Promise<unknown>;
  publicGetMarketTicker(p: Params): Promise<unknown>;
}

const api = (ex: CcxtClient) => ex as unknown as OkxImplicit;
/** The venue's clock as ccxt measured it (`nonce`: local time less the measured offset). */
const venueNow = (ex: CcxtClient): number => ex.nonce();
const instId = (ex: CcxtClient, symbol: string) => ex.market(symbol).id as string;
const firstRow = (body: unknown, what: string) =>
  asRaw(rawList(asRaw(body, what).data, `${what}.data`)[0], what);

function posSide(ps: PositionSide): string {
  return ps === 'LONG' ? 'long' : ps === 'SHORT' ? 'short' : 'net';
}

function contracts(coins: Decimal, rules: SymbolRules): string {
  return fmt(coins.dividedBy(rules.contractSize));
}

/** `/trade/fills` keeps 3 days; a cursor older than this (an hour of margin) reads the 3-month history. */
const RECENT_FILLS_MS = 3 * 86_400_000 - 3_600_000;
/** Pages of 100 fills read back at most in one call. */
const MAX_FILL_PAGES = 50;
/** `/market/candles` serves the latest 1 440 bars; older ones come from `/market/history-candles`. */
const RECENT_BARS = 1_400;

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
   * Fills after the cursor, oldest first, at most `limit` (the oldest ones: the caller moves its cursor to
   * the last and asks again, so nothing is skipped). OKX pages newest first, 100 at most: pages go back in
   * time by `after` (bill id) until one reaches the cursor. `/trade/fills` keeps 3 days; an older cursor
   * reads `/trade/fills-history` (3 months). More than `MAX_FILL_PAGES` pages since the cursor is refused
   * as retryable rather than answered with a hole.
   */
  async fetchTrades(ex, symbol, cursor, limit, rules, clientIdOf) {
    const base: Params = { instType: 'SWAP', instId: instId(ex, symbol), limit: 100 };
    // `begin` one ms early: whether OKX's bound is inclusive or not, the cursor's own millisecond is read.
    if (cursor) base.begin = String(cursor.time - 1);
    const old = cursor !== null && venueNow(ex) - cursor.time > RECENT_FILLS_MS;
    const read = (p: Params) =>
      old ? api(ex).privateGetTradeFillsHistory(p) : api(ex).privateGetTradeFills(p);
    const isAfter = (f: { time: number; tradeId: string }) =>
      !cursor ||
      f.time > cursor.time ||
      (f.time === cursor.time && BigInt(f.tradeId) > BigInt(cursor.tradeId));
    const fills = [];
    let after: string | undefined;
    for (let page = 0; ; page++) {
      if (page === MAX_FILL_PAGES)
        throw new ExchangeError(
          'retryable',
          `more than ${MAX_FILL_PAGES * 100} fills of ${symbol} since the cursor: not read in one pass`,
        );
      const rows = rawList(
        asRaw(await read(after ? { ...base, after } : base), 'fills').data,
        'fills.data',
      ).map((r) => asRaw(r, 'fill'));
      let reached = false;
      for (const r of rows) {
        const fill = parseOkxFill(r, symbol, rules);
        if (!isAfter(fill)) {
          reached = true;
          continue;
        }
        fills.push(fill);
      }
      const oldest = rows[rows.length - 1];
      // Without a cursor: the newest page is the answer.
      if (!cursor || !oldest || reached || rows.length < 100) break;
      after = idField(oldest, 'billId');
    }
    fills.sort((a, b) => a.time - b.time || (BigInt(a.tradeId) < BigInt(b.tradeId) ? -1 : 1));
    const out = cursor ? fills.slice(0, limit) : fills.slice(-limit);
    // Client ids for rows that carry none (a stop's child order) only for what is handed out.
    return Promise.all(
      out.map(async (f) =>
        f.clientOrderId ? f : { ...f, clientOrderId: await clientIdOf(f.exchangeOrderId) },
      ),
    );
  },

  /**
   * The client id of an order by its exchange id: `clOrdId`, or the stop's `algoClOrdId` for a stop's child.
   * An order OKX no longer finds (51603: a liquidation's, or older than its order history) has none: its
   * fill is a foreign one, not a reason to fail the whole history read.
   */
  async lookupClientId(ex, symbol, exchangeOrderId) {
    let body: unknown;
    try {
      body = await api(ex).privateGetTradeOrder({ instId: instId(ex, symbol), ordId: exchangeOrderId });
    } catch (e) {
      if (e instanceof Error && /"51603"|51603/.test(e.message)) return '';
      throw e;
    }
    const row = firstRow(body, 'order');
    return optStrField(row, 'clOrdId') || optStrField(row, 'algoClOrdId') || '';
  },

  /**
   * Up to `limit` candles from `since`, oldest first. OKX answers newest first, 300 a page from
   * `/market/candles` (its latest 1 440 bars only) and 100 from `/market/history-candles` (older ones):
   * each page is pinned on both sides (`before` / `after`) and the pages go forward from `since`.
   */
  async fetchCandles(ex, symbol, timeframe, since, limit) {
    const id = instId(ex, symbol);
    const tf = timeframeMs(timeframe);
    const want = limit ?? 300;
    if (since === undefined) {
      const rows = rawList(
        asRaw(
          await api(ex).publicGetMarketCandles({
            instId: id,
            bar: bar(timeframe),
            limit: Math.min(want, 300),
          }),
          'candles',
        ).data,
        'candles.data',
      );
      return rows.map(parseOkxCandle).reverse();
    }
    const out: Candle[] = [];
    let from = since;
    const now = venueNow(ex);
    while (out.length < want && from <= now) {
      const recent = from >= now - RECENT_BARS * tf;
      const n = Math.min(want - out.length, recent ? 300 : 100);
      const params: Params = {
        instId: id,
        bar: bar(timeframe),
        limit: n,
        before: String(from - 1),
        after: String(from + n * tf),
      };
      const body = recent
        ? await api(ex).publicGetMarketCandles(params)
        : await api(ex).publicGetMarketHistoryCandles(params);
      const page = rawList(asRaw(body, 'candles').data, 'candles.data').map(parseOkxCandle).reverse();
      out.push(...page.filter((c) => c.openTime >= from));
      // The window of this page is read; the next starts after it, whether or not it was full (gaps).
      from += n * tf;
    }
    return out.slice(0, want);
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
   * OKX spreads the user stream over channels: `orders` (order states, fills — a triggered stop's too, on
   * the order it places), `positions` and `account`, all on `/private`; the next message on any resolves.
   * Stops' own states (`orders-algo`) live on `/business`, a socket shared with candles: not subscribed,
   * since nothing waits on them (recon reads stops over REST), so the user stream's health is the
   * `/private` socket's alone.
   */
  watchUser: (ex) => Promise.race([ex.watchOrders(), ex.watchPositions(), ex.watchBalance()]),
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
  isUserUrl: (url) => url.includes('/private'),
  // `{event:"subscribe",arg:{channel:"orders",…}}`: fills (on `orders`) flow from here on.
  userStreamLive: (message) => {
    if (typeof message !== 'object' || message === null) return false;
    const m = message as { event?: unknown; arg?: { channel?: unknown } | null };
    return m.event === 'subscribe' && m.arg?.channel === 'orders';
  },
  resetUserAuth: () => undefined,
};
