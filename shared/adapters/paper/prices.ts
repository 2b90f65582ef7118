/**
 * The synthetic top of book. The paper exchange has no depth: after a candle or a trade at price P the
 * book is one tick wide around P (a seller-initiated trade leaves bid = P, ask = P + tick; a buyer-
 * initiated one ask = P, bid = P − tick; a candle close leaves bid = close, ask = close + tick, or, when the
 * candle closed at its high, ask = close, bid = close − tick: a taker after it trades inside the candle).
 * Takers execute at the touch (market orders then lose the configured slippage, rounded to the tick
 * against them); a limit order is marketable when it reaches the opposite touch.
 */
import { ceilTo, type Decimal, floorTo, ONE } from '../../domain/money.js';
import { binanceErrors, PaperApiError } from './errors.js';
import type { EngineCore, MarketState } from './state.js';
import type { BinanceSide } from './types.js';

export function setLastPrice(
  market: MarketState,
  price: Decimal,
  time: number,
  sellerInitiated = true,
): void {
  const tick = market.rules.tickSize;
  market.last = price;
  market.priceTime = time;
  if (sellerInitiated) {
    market.bid = price;
    market.ask = price.plus(tick);
  } else {
    market.ask = price;
    market.bid = price.minus(tick).greaterThan(0) ? price.minus(tick) : price;
  }
}

/** Is a limit order at `price` marketable against the synthetic book? */
export function isMarketable(market: MarketState, side: BinanceSide, price: Decimal): boolean {
  if (side === 'BUY') return market.ask !== undefined && price.greaterThanOrEqualTo(market.ask);
  return market.bid !== undefined && price.lessThanOrEqualTo(market.bid);
}

/** The touch a taker hits (no slippage), or throws -2020 before any market data. */
export function touchPrice(market: MarketState, side: BinanceSide): Decimal {
  const p = side === 'BUY' ? market.ask : market.bid;
  if (!p) throw new PaperApiError(-2020, 'Unable to fill.');
  return p;
}

/** A market order's execution price from a reference price: slippage against the taker, on the tick. */
export function withSlippage(
  core: EngineCore,
  market: MarketState,
  side: BinanceSide,
  ref: Decimal,
): Decimal {
  const tick = market.rules.tickSize;
  const s = core.options.slippage;
  if (side === 'BUY') return ceilTo(ref.times(ONE.plus(s)), tick);
  const p = floorTo(ref.times(ONE.minus(s)), tick);
  return p.greaterThan(0) ? p : tick;
}

export function requireMarket(core: EngineCore, symbol: string): MarketState {
  const m = core.markets.get(symbol);
  if (!m) throw binanceErrors.invalidSymbol();
  return m;
}
