/**
 * Binance USD-M symbol filters, each violation with Binance's code and message:
 * PRICE_FILTER (-4013 below min, -4002 above max, -4014 off tick, -1111 too many decimals),
 * LOT_SIZE / MARKET_LOT_SIZE (-4004 below min, -4005 above max, -4023 off step, -4003 zero),
 * PERCENT_PRICE against the mark (-4016 buy above cap, -4024 sell below floor; -4131 for takers),
 * MIN_NOTIONAL (-4164; reduce-only and hedge-mode closes are exempt).
 *
 * Entry points: `checkPrice`, `checkQty`, `checkPercentPrice`, `checkMinNotional`, `checkClientId`.
 */
import type { Decimal } from '../../domain/money.js';
import { binanceErrors } from './errors.js';
import type { MarketRules } from './market-rules.js';
import type { BinanceSide } from './types.js';

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export function checkClientId(id: string): void {
  if (!CLIENT_ID.test(id)) throw binanceErrors.invalidClientOrderId();
}

export function checkPrice(rules: MarketRules, price: Decimal): void {
  if (!price.greaterThan(0)) throw binanceErrors.priceLessThanMin();
  if (price.decimalPlaces() > rules.pricePrecision) throw binanceErrors.precision();
  if (price.lessThan(rules.minPrice)) throw binanceErrors.priceLessThanMin();
  if (price.greaterThan(rules.maxPrice)) throw binanceErrors.priceGreaterThanMax();
  if (!price.minus(rules.minPrice).modulo(rules.tickSize).isZero()) throw binanceErrors.priceNotOnTick();
}

export function checkQty(rules: MarketRules, qty: Decimal, market: boolean): void {
  if (!qty.greaterThan(0)) throw binanceErrors.qtyLessThanZero();
  if (qty.decimalPlaces() > rules.quantityPrecision) throw binanceErrors.precision();
  const min = market ? rules.marketMinQty : rules.minQty;
  const max = market ? rules.marketMaxQty : rules.maxQty;
  const step = market ? rules.marketStepSize : rules.stepSize;
  if (qty.lessThan(min)) throw binanceErrors.qtyLessThanMin();
  if (qty.greaterThan(max)) throw binanceErrors.qtyGreaterThanMax();
  if (!qty.minus(min).modulo(step).isZero()) throw binanceErrors.qtyNotOnStep();
}

/** Limit prices: BUY ≤ mark × multiplierUp, SELL ≥ mark × multiplierDown. Skipped before the first mark. */
export function checkPercentPrice(
  rules: MarketRules,
  side: BinanceSide,
  price: Decimal,
  mark: Decimal | undefined,
): void {
  if (!mark) return;
  if (side === 'BUY' && price.greaterThan(mark.times(rules.multiplierUp)))
    throw binanceErrors.priceAboveMultiplierUp();
  if (side === 'SELL' && price.lessThan(mark.times(rules.multiplierDown)))
    throw binanceErrors.priceBelowMultiplierDown();
}

/** Taker executions (MARKET): the price they would get must be inside the same band. */
export function checkTakerPercentPrice(
  rules: MarketRules,
  side: BinanceSide,
  price: Decimal,
  mark: Decimal | undefined,
): void {
  if (!mark) return;
  const outside =
    side === 'BUY'
      ? price.greaterThan(mark.times(rules.multiplierUp))
      : price.lessThan(mark.times(rules.multiplierDown));
  if (outside) throw binanceErrors.percentPriceCounterparty();
}

export function checkMinNotional(rules: MarketRules, price: Decimal, qty: Decimal, exempt: boolean): void {
  if (exempt) return;
  if (price.times(qty).lessThan(rules.minNotional)) throw binanceErrors.minNotional(rules.minNotionalText);
}
