/**
 * Polarity and the space / profit guards of SPEC §2, re-evaluated against the current price every time.
 *
 * Entry points: `roleOf`, `buyAllowed`, `sellSpaceOk`, `profitGuardFloor`, `sellPriceOf`, `buyPriceOf`,
 * `applyRoles`.
 * Invariants: a level equal to the price has no role (no order); a buy needs
 * `price > level × (1 + buy_price_buffer_pct)`; a sell needs `price < level × (1 − sell_price_buffer_pct)`
 * and a sell price strictly above `avg_entry × (1 + min_profit_pct)`.
 */

import { type Decimal, ONE } from '../../money.js';
import { roundPrice, type SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import type { Work } from './context.js';
import type { LevelRole } from './state.js';

export function roleOf(levelPrice: Decimal, price: Decimal): LevelRole {
  const c = levelPrice.comparedTo(price);
  return c < 0 ? 'SUPPORT' : c > 0 ? 'RESISTANCE' : 'AT_PRICE';
}

/** The price a new buy at this level needs to be above: the level plus its buffer. */
export function buyThreshold(levelPrice: Decimal, config: KlgConfig): Decimal {
  return levelPrice.times(ONE.plus(config.buy_price_buffer_pct));
}

/** The price a new sell at this level needs to be below: the level minus its buffer. */
export function sellThreshold(levelPrice: Decimal, config: KlgConfig): Decimal {
  return levelPrice.times(ONE.minus(config.sell_price_buffer_pct));
}

/** May a new buy be placed at this level now? (Existing buys are not cancelled by the buffer.) */
export function buyAllowed(levelPrice: Decimal, price: Decimal, config: KlgConfig): boolean {
  return price.greaterThan(buyThreshold(levelPrice, config));
}

/** Is price far enough below this level for a new sell? */
export function sellSpaceOk(levelPrice: Decimal, price: Decimal, config: KlgConfig): boolean {
  return price.lessThan(sellThreshold(levelPrice, config));
}

/** Sells must be priced strictly above this. */
export function profitGuardFloor(avgEntry: Decimal, config: KlgConfig): Decimal {
  return avgEntry.times(ONE.plus(config.min_profit_pct));
}

// Level prices are immutable Decimals shared by every state derived from a grid, so their rounded order
// prices are memoized per (tick size, level price) object: pure, and it spares the event track the Decimal
// divisions of a full scan.
const sellPrices = new WeakMap<Decimal, WeakMap<Decimal, Decimal>>();
const buyPrices = new WeakMap<Decimal, WeakMap<Decimal, Decimal>>();

function memoRounded(
  cache: WeakMap<Decimal, WeakMap<Decimal, Decimal>>,
  levelPrice: Decimal,
  side: 'buy' | 'sell',
  rules: SymbolRules,
): Decimal {
  let byPrice = cache.get(rules.tickSize);
  if (!byPrice) {
    byPrice = new WeakMap();
    cache.set(rules.tickSize, byPrice);
  }
  let rounded = byPrice.get(levelPrice);
  if (!rounded) {
    rounded = roundPrice(levelPrice, side, rules);
    byPrice.set(levelPrice, rounded);
  }
  return rounded;
}

export function sellPriceOf(levelPrice: Decimal, rules: SymbolRules): Decimal {
  return memoRounded(sellPrices, levelPrice, 'sell', rules);
}

export function buyPriceOf(levelPrice: Decimal, rules: SymbolRules): Decimal {
  return memoRounded(buyPrices, levelPrice, 'buy', rules);
}

/** Re-evaluates every level's role against the current price. */
export function applyRoles(w: Work): void {
  for (const level of w.s.levels) level.role = roleOf(level.price, w.market.price);
}
