/**
 * The `range` level source (config/level-source.ts) expanded to prices, and the levels a config writes
 * down itself (`manual`, `range`) as opposed to those computed from candles (`atr`, `keyLevels`).
 *
 * Invariants of `rangeLevelPrices` (for lower < upper, count ≥ 2; test/unit/domain/analysis/range-levels.test.ts):
 *  1. exactly `count` prices, the first `lower` and the last `upper` exactly, strictly increasing;
 *  2. `arithmetic`: every step equals (upper − lower) / (count − 1) (exactly when that division is exact);
 *  3. `geometric`: every ratio of neighbours equals (upper / lower)^(1 / (count − 1)) within Decimal's 40
 *     significant digits.
 * The prices are not on any tick: the grid rounds every level to the nearest tick (`snapToTick`,
 * `manualLevelPrices`) and drops levels that round onto the same tick.
 */
import type { LevelSourceConfig } from '../config/level-source.js';
import { type Decimal, dec } from '../money.js';

export type RangeLevelSource = Extract<LevelSourceConfig, { source: 'range' }>;

export function rangeLevelPrices(
  source: Pick<RangeLevelSource, 'lower' | 'upper' | 'count' | 'spacing'>,
): Decimal[] {
  const { lower, upper, count, spacing } = source;
  if (!Number.isSafeInteger(count) || count < 2)
    throw new RangeError(`count must be a whole number ≥ 2, got ${count}`);
  if (!lower.greaterThan(0) || !lower.lessThan(upper))
    throw new RangeError(`need 0 < lower < upper, got lower ${lower.toFixed()} and upper ${upper.toFixed()}`);
  const steps = dec(count - 1);
  const prices: Decimal[] = [lower];
  if (spacing === 'arithmetic') {
    // Multiply before dividing: each price is exact whenever the division is, and the last is `upper`.
    const width = upper.minus(lower);
    for (let i = 1; i < count - 1; i++) prices.push(lower.plus(width.times(i).dividedBy(steps)));
  } else {
    const ratio = upper.dividedBy(lower).pow(dec(1).dividedBy(steps));
    for (let i = 1; i < count - 1; i++) prices.push(lower.times(ratio.pow(i)));
  }
  prices.push(upper);
  return prices;
}

/** The level prices a config writes down (manual, range), not yet on the tick; null for computed sources. */
export function fixedLevelPrices(source: LevelSourceConfig): Decimal[] | null {
  switch (source.source) {
    case 'manual':
      return [...source.prices];
    case 'range':
      return rangeLevelPrices(source);
    default:
      return null;
  }
}
