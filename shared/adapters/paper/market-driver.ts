/**
 * Market data in: candles, trade ticks and mark prices move the market and drive every fill, trigger,
 * funding payment and liquidation. One call = one step of the simulation, stamped with the clock.
 *
 * Entry points:
 *  - `applyCandle(core, symbol, candle, intervalMs)`: settle funding due by the candle's open, jump to the
 *    open (a gap from the previous close), walk the intrabar path (`intrabar-path.ts`), then set the mark
 *    (at the close, or along the path with `markSource: 'path'`), check liquidations, store the kline.
 *    The candle is fed at its close, but what happens during it is stamped with its moment inside the
 *    candle (`IntrabarTimeline`): funding at the open, fills and stop triggers where the path crosses
 *    them, a liquidation where the mark is set; the kline, mark and book events keep the clock (the close).
 *    The path is also published as trades with their book top (a coarse tape for what decides on them).
 *  - `applyTrade(core, symbol, tick)`: settle funding due, fill resting orders from the trade (partial
 *    fills, see `matching.ts`), fire CONTRACT_PRICE stops at the trade price, update the 1m kline; all
 *    stamped with the trade's time; publishes the trade, the book top and, once a second, the mark price.
 *  - `applyMark(core, symbol, mark)`: a mark price from a mark series; MARK_PRICE stops and liquidation.
 */
import { Decimal, ZERO } from '../../domain/money.js';
import { assertValidOhlc, IntrabarTimeline, intrabarPath } from './intrabar-path.js';
import { marketOf } from './ledger.js';
import { checkLiquidations, settleFunding } from './liquidation.js';
import { fillFromTrade, walkLastPrice, walkMark } from './matching.js';
import { setLastPrice } from './prices.js';
import type { EngineCore, MarketState } from './state.js';
import type { KlineView, MarkPriceView } from './types.js';

const EIGHT_HOURS = 8 * 3600 * 1000;

export interface CandleInput {
  readonly openTime: number;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
}

export interface TradeInput {
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly buyerIsMaker: boolean;
  /** Exchange time of the trade; defaults to the clock. */
  readonly time?: number | undefined;
  /** The venue's trade id, if replaying real ticks; our own fills then take ids after it. */
  readonly id?: number | undefined;
}

export function nextFundingTime(core: EngineCore, market: MarketState): number {
  const next = market.funding[market.fundingCursor];
  if (next) return next.fundingTime;
  const now = core.clock.now();
  return Math.floor(now / EIGHT_HOURS) * EIGHT_HOURS + EIGHT_HOURS;
}

export function markView(core: EngineCore, market: MarketState): MarkPriceView {
  const mark = market.mark ?? market.last ?? ZERO;
  return {
    symbol: market.rules.symbol,
    markPrice: mark,
    indexPrice: mark,
    lastFundingRate: market.lastFundingRate,
    nextFundingTime: nextFundingTime(core, market),
    time: core.clock.now(),
  };
}

function setMark(core: EngineCore, market: MarketState, mark: Decimal): void {
  const changed = market.mark === undefined || !market.mark.equals(mark);
  walkMark(core, market, mark);
  if (changed) checkLiquidations(core, market.rules.marginAsset);
}

function publishBook(core: EngineCore, market: MarketState): void {
  if (market.bid === undefined || market.ask === undefined) return;
  core.hub.emitMarket(market.rules.symbol, {
    type: 'bookTicker',
    book: {
      symbol: market.rules.symbol,
      bid: market.bid,
      bidQty: ZERO,
      ask: market.ask,
      askQty: ZERO,
      time: core.clock.now(),
    },
  });
}

export function applyCandle(core: EngineCore, symbol: string, c: CandleInput, intervalMs: number): void {
  const market = marketOf(core, symbol);
  assertValidOhlc(c, `candle ${symbol} @${c.openTime}`);
  const prev = market.klines[market.klines.length - 1];
  if (prev && c.openTime <= prev.openTime) {
    throw new Error(
      `candle ${symbol} @${c.openTime}: openTime must be after the previous candle (${prev.openTime})`,
    );
  }
  const path = intrabarPath(c);
  const timeline = new IntrabarTimeline(c.openTime, intervalMs, path);
  const pathMark = core.options.markSource === 'path';
  try {
    core.eventTime = c.openTime;
    settleFunding(core, market, c.openTime);
    path.forEach((p, i) => {
      walkLastPrice(core, market, p, i === 0, true, (price) => timeline.segmentTime(i, price));
      if (pathMark) {
        core.eventTime = timeline.pointTime(i);
        setMark(core, market, p);
      }
    });
    // A candle closing at its high (and not flat) closed on a buyer: the ask is the close, so a taker buying
    // after it trades inside the candle, not a tick above its high (a seller's bid stays inside too).
    setLastPrice(market, c.close, core.clock.now(), !(c.close.equals(c.high) && c.high.greaterThan(c.low)));
    if (!pathMark) {
      core.eventTime = timeline.pointTime(path.length - 1);
      setMark(core, market, c.close);
    }
  } finally {
    core.eventTime = undefined;
  }
  const kline = klineOf(c, intervalMs);
  market.klines.push(kline);
  publishPath(core, market, path, c.volume);
  core.hub.emitMarket(symbol, { type: 'kline', symbol, interval: '1m', kline, closed: true });
  core.hub.emitMarket(symbol, { type: 'markPrice', mark: markView(core, market) });
  publishBook(core, market);
}

const HALF = new Decimal('0.5');

/** The kline a candle is stored as. */
export function klineOf(c: CandleInput, intervalMs: number): KlineView {
  return {
    openTime: c.openTime,
    closeTime: c.openTime + intervalMs - 1,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    // The volume at the candle's mid price (halved by a product: a division costs more).
    quoteVolume: c.volume.times(c.open.plus(c.close)).times(HALF),
    trades: 0,
  };
}

/**
 * Candles as a coarse tape (for what decides on trades and the book, without tick data): the candle's path
 * as trades, each with the one-tick book it leaves (an up move taken by a buyer: ask at the price; a down
 * move by a seller: bid at it), all stamped at the clock (the candle's close). Publishing only: the book
 * and the fills are the candle's own; trade ids are not consumed (our fills keep theirs).
 */
function publishPath(core: EngineCore, market: MarketState, path: readonly Decimal[], volume: Decimal): void {
  const symbol = market.rules.symbol;
  const tick = market.rules.tickSize;
  const time = core.clock.now();
  const qty = volume.greaterThan(0) ? volume.dividedBy(path.length) : ZERO;
  path.forEach((price, i) => {
    const up = i > 0 && price.greaterThan(path[i - 1]!);
    core.hub.emitMarket(symbol, {
      type: 'trade',
      symbol,
      tradeId: market.nextTradeId,
      price,
      qty,
      buyerIsMaker: !up,
      time,
    });
    const bid = up ? price.minus(tick) : price;
    core.hub.emitMarket(symbol, {
      type: 'bookTicker',
      book: { symbol, bid, bidQty: ZERO, ask: up ? price : price.plus(tick), askQty: ZERO, time },
    });
  });
}

export function applyTrade(core: EngineCore, symbol: string, t: TradeInput): void {
  const market = marketOf(core, symbol);
  if (!t.price.greaterThan(0) || !t.qty.greaterThan(0)) {
    throw new Error(`trade ${symbol}: price and qty must be > 0, got ${t.price} × ${t.qty}`);
  }
  const time = t.time ?? core.clock.now();
  try {
    core.eventTime = time;
    settleFunding(core, market, time);
    if (t.id !== undefined && t.id >= market.nextTradeId) market.nextTradeId = t.id + 1;
    fillFromTrade(core, market, t);
    walkLastPrice(core, market, t.price, true, false);
    setLastPrice(market, t.price, time, t.buyerIsMaker);
    if (core.options.markSource === 'path') setMark(core, market, t.price);
  } finally {
    core.eventTime = undefined;
  }
  updateTickKline(core, market, t.price, t.qty, time);
  core.hub.emitMarket(symbol, {
    type: 'trade',
    symbol,
    tradeId: t.id ?? market.nextTradeId++,
    price: t.price,
    qty: t.qty,
    buyerIsMaker: t.buyerIsMaker,
    time,
  });
  publishBook(core, market);
  // `markPrice@1s`: the mark (as it stands: a mark series, the path, or the last candle's) once a second.
  if (time - market.markPublishedAt >= 1_000) {
    market.markPublishedAt = time;
    core.hub.emitMarket(symbol, { type: 'markPrice', mark: markView(core, market) });
  }
}

export function applyMark(core: EngineCore, symbol: string, mark: Decimal): void {
  const market = marketOf(core, symbol);
  if (!mark.greaterThan(0)) throw new Error(`mark price ${symbol} must be > 0, got ${mark}`);
  setMark(core, market, mark);
  core.hub.emitMarket(symbol, { type: 'markPrice', mark: markView(core, market) });
}

/** Ticks build 1-minute klines; a kline is stored when the next minute's first trade arrives. */
function updateTickKline(
  core: EngineCore,
  market: MarketState,
  price: Decimal,
  qty: Decimal,
  time: number,
): void {
  const openTime = Math.floor(time / 60_000) * 60_000;
  const cur = market.tickKline;
  if (cur && cur.openTime === openTime) {
    market.tickKline = {
      ...cur,
      high: price.greaterThan(cur.high) ? price : cur.high,
      low: price.lessThan(cur.low) ? price : cur.low,
      close: price,
      volume: cur.volume.plus(qty),
      quoteVolume: cur.quoteVolume.plus(qty.times(price)),
      trades: cur.trades + 1,
    };
  } else {
    if (cur) {
      market.klines.push(cur);
      core.hub.emitMarket(market.rules.symbol, {
        type: 'kline',
        symbol: market.rules.symbol,
        interval: '1m',
        kline: cur,
        closed: true,
      });
    }
    market.tickKline = {
      openTime,
      closeTime: openTime + 59_999,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: qty,
      quoteVolume: qty.times(price),
      trades: 1,
    };
  }
  core.hub.emitMarket(market.rules.symbol, {
    type: 'kline',
    symbol: market.rules.symbol,
    interval: '1m',
    kline: market.tickKline!,
    closed: false,
  });
}
