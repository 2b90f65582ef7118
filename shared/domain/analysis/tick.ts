/**
 * Level prices on the tick. Levels are coordinates, not orders, so they round to the nearest tick (half up);
 * the order that serves a level rounds again by side (`roundPrice`: buys down, sells up).
 * Entry points: `snapPrice`, `snapToTick` (→ ascending, de-duplicated, strictly positive).
 */
import { Decimal } from '../money.js';

export function snapPrice(price: Decimal, tickSize: Decimal): Decimal {
  return price.toNearest(tickSize, Decimal.ROUND_HALF_UP);
}

export function snapToTick(prices: readonly Decimal[], tickSize: Decimal): Decimal[] {
  const snapped = prices
    .map((p) => snapPrice(p, tickSize))
    .filter((p) => p.greaterThan(0))
    .sort((a, b) => a.comparedTo(b));
  const out: Decimal[] = [];
  for (const p of snapped) if (out.length === 0 || !out[out.length - 1]!.equals(p)) out.push(p);
  return out;
}
