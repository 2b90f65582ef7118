/**
 * Quiet candles (replay speed): the prices a candle of a symbol may trade through without filling,
 * triggering or liquidating anything, and applying such a candle without the work that would find nothing.
 *
 * Entry points:
 *  - `quietRange(core, symbol)`: the open interval (low, high) no resting limit order reaches (a buy fills
 *    at or below its price, a sell at or above), no algo order triggers in (on the last price or the mark),
 *    no position on the symbol comes within 5% of its liquidation price or changes maintenance bracket
 *    (the liquidation price moves with it); with `until`, the next
 *    funding time when a position on the symbol would pay or receive it. Null when no such promise can be
 *    made: the last price is outside, or an account whose pool holds the symbol also holds another one or
 *    both sides of it (its liquidation then moves with more than this symbol's mark).
 *  - `applyQuietCandle(core, symbol, candle, intervalMs, range)`: applies a candle whose whole range (and
 *    the last price it gaps from) lies inside `range`, taken before anything changed since: settles funding
 *    due (none for a position, by `until`), leaves the last price, book and mark where `applyCandle` would
 *    (at the close), stores the kline, and publishes nothing. Returns false, changing nothing, when the
 *    candle is not inside the range.
 *
 * Invariant (property-tested against `applyCandle`): for a candle inside the range, both leave the same
 * prices, book, mark, klines and accounts, and `applyCandle` emits no account event.
 */
import { compareDec, type Decimal, dec, ZERO } from '../../domain/money.js';
import { insideBand, type QuietBand } from '../../domain/strategy.js';
import { assertValidOhlc } from './intrabar-path.js';
import { liquidationPrice, marketOf, poolPositions } from './ledger.js';
import { settleFunding } from './liquidation.js';
import { type CandleInput, klineOf } from './market-driver.js';
import { setLastPrice } from './prices.js';
import type { EngineCore } from './state.js';

/** How far from a liquidation price a candle must stay to count as quiet (brackets move with the mark). */
const LIQUIDATION_MARGIN = dec('0.05');

/** Exclusive bounds (null: unbounded); a candle opening at or after `until` settles funding on a position. */
export type QuietRange = QuietBand;

export function quietRange(core: EngineCore, symbol: string): QuietRange | null {
  const market = marketOf(core, symbol);
  let low: Decimal | null = null;
  let high: Decimal | null = null;
  const below = (p: Decimal) => {
    if (low === null || p.greaterThan(low)) low = p;
  };
  const above = (p: Decimal) => {
    if (high === null || p.lessThan(high)) high = p;
  };
  // Books are kept best first.
  if (market.buys[0]) below(market.buys[0].price);
  if (market.sells[0]) above(market.sells[0].price);
  for (const a of market.algos) {
    const firesBelow = (a.orderType === 'STOP_MARKET') === (a.side === 'SELL');
    if (firesBelow) below(a.triggerPrice);
    else above(a.triggerPrice);
  }
  const asset = market.rules.marginAsset;
  let held = false;
  for (const account of core.accounts.values()) {
    let long = false;
    let short = false;
    let size = ZERO;
    for (const { position: p } of poolPositions(core, account, asset)) {
      if (p.symbol !== symbol) return null;
      size = size.plus(p.qty.abs());
      if (p.qty.isPositive()) long = true;
      else short = true;
    }
    if (long && short) return null;
    if (!long && !short) continue;
    held = true;
    // The maintenance bracket follows the notional at the mark: where it changes, so does the liquidation
    // price (a pass reads it); a quiet range stays inside one bracket.
    for (const b of market.brackets) {
      const at = b.notionalCap.dividedBy(size);
      if (market.last && at.lessThanOrEqualTo(market.last)) below(at);
      else above(at);
    }
    const liq = liquidationPrice(core, account, symbol);
    if (liq.isZero()) continue;
    if (long) below(liq.times(LIQUIDATION_MARGIN.plus(1)));
    else above(liq.times(LIQUIDATION_MARGIN.negated().plus(1)));
  }
  const last = market.last;
  if (!last || !insideBand(last, last, { low, high })) return null;
  const next = market.funding[market.fundingCursor];
  return { low, high, until: held && next ? next.fundingTime : Number.POSITIVE_INFINITY };
}

export function applyQuietCandle(
  core: EngineCore,
  symbol: string,
  c: CandleInput,
  intervalMs: number,
  range: QuietRange,
): boolean {
  const market = marketOf(core, symbol);
  if (c.openTime >= range.until || !insideBand(c.low, c.high, range)) return false;
  if (!market.last || !insideBand(market.last, market.last, range)) return false;
  assertValidOhlc(c, `candle ${symbol} @${c.openTime}`);
  const prev = market.klines[market.klines.length - 1];
  if (prev && c.openTime <= prev.openTime) return false;
  try {
    core.eventTime = c.openTime;
    settleFunding(core, market, c.openTime);
  } finally {
    core.eventTime = undefined;
  }
  // Where the walk of the path would leave them: nothing crossed on the way.
  setLastPrice(
    market,
    c.close,
    core.clock.now(),
    !(compareDec(c.close, c.high) === 0 && compareDec(c.high, c.low) > 0),
  );
  market.mark = c.close;
  market.klines.push(klineOf(c, intervalMs));
  return true;
}
