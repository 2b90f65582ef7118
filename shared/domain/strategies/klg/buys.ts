/**
 * Buy-side maintenance.
 *
 * Entry points: `cancelInvalidBuys` (polarity flip, locked counters, pause), `placeBuyAt`, `placeMissingBuys`.
 * Invariants: a buy is placed only at an IDLE support with `fill_counter < max_fill_per_level`, with price
 * more than `buy_price_buffer_pct` above the level, for one grid unit that clears the exchange minimum,
 * never while the instance is paused. Whether the margin carries it is the pre-trade step's to judge, for
 * every strategy (`guards/margin.ts`, with the facts `klgMarginPolicy` gives): a buy it denies comes back
 * as a refusal and the level returns to IDLE.
 */
import { minOrderCoins } from '../../symbol-rules.js';
import { clearCondition, raiseCondition } from './alerts.js';
import type { LevelDraft, Work } from './context.js';
import { unitAffordable } from './grid-unit.js';
import { cancelLevelOrder, placeLevelOrder } from './order-actions.js';
import { buyAllowed, buyPriceOf } from './polarity.js';
import { gridUnit } from './sell-target.js';

export function cancelInvalidBuys(w: Work): void {
  for (const level of w.s.levels) {
    if (level.state !== 'ACTIVE' || level.order?.side !== 'buy') continue;
    if (level.role === 'RESISTANCE') cancelLevelOrder(w, level, 'polarity flip: support became resistance');
    else if (level.fillCounter >= w.config.max_fill_per_level)
      cancelLevelOrder(w, level, 'level quota is used up');
    else if (w.s.paused) cancelLevelOrder(w, level, 'instance paused: no opening orders');
  }
}

export type BuyAttempt = 'placed' | 'not_allowed' | 'below_minimum';

/** Places a buy at `level` if every rule allows it. */
export function placeBuyAt(w: Work, level: LevelDraft, reason: string): BuyAttempt {
  const { s, config, market } = w;
  if (s.paused || level.state !== 'IDLE' || level.order) return 'not_allowed';
  if (level.role !== 'SUPPORT' || level.fillCounter >= config.max_fill_per_level) return 'not_allowed';
  if (!buyAllowed(level.price, market.price, config)) return 'not_allowed';
  const qty = gridUnit(config, s, market.rules);
  const min = minOrderCoins(buyPriceOf(level.price, market.rules), market.rules);
  if (qty.lessThan(min) || !unitAffordable(s, market.rules)) {
    raiseCondition(
      w,
      'warning',
      'grid_unit_below_minimum',
      config.quote_amount_per_grid
        ? `quote_amount_per_grid ${config.quote_amount_per_grid.toFixed()} converted at ${s.unit?.price.toFixed() ?? '?'} is below the exchange minimum`
        : 'base_amount_per_grid is below the exchange minimum',
      {
        level: level.price.toFixed(),
        gridUnit: qty.toFixed(),
        minimum: min.toFixed(),
      },
    );
    return 'below_minimum';
  }
  placeLevelOrder(w, level, 'buy', qty, reason);
  return 'placed';
}

export function placeMissingBuys(w: Work): void {
  let belowMinimum = false;
  // Nearest support first: when margin runs out, the buys the pre-trade step lets through are the ones
  // price meets first.
  for (const level of [...w.s.levels].reverse()) {
    if (placeBuyAt(w, level, 'missing buy at support') === 'below_minimum') belowMinimum = true;
  }
  if (!belowMinimum) clearCondition(w, 'grid_unit_below_minimum', 'grid unit clears the exchange minimum');
  // A state saved before the margin check moved to the pre-trade step may still hold the grid's own
  // refusal condition: it clears quietly (the pipeline's `pre_trade_margin` says it now).
  if (w.s.activeAlerts.includes('buy_refused_margin'))
    w.s.activeAlerts = w.s.activeAlerts.filter((a) => a !== 'buy_refused_margin');
}
