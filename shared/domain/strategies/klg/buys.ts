/**
 * Buy-side maintenance.
 *
 * Entry points: `cancelInvalidBuys` (polarity flip, locked counters, pause), `placeBuyAt`, `placeMissingBuys`.
 * Invariants: a buy is placed only at an IDLE support with `fill_counter < max_fill_per_level`, with price
 * more than `buy_price_buffer_pct` above the level, for one grid unit that clears the exchange minimum,
 * never while the instance is paused, and never when the margin guard refuses it (margin-guard.ts).
 */
import { minOrderCoins } from '../../symbol-rules.js';
import { clearCondition, raiseCondition } from './alerts.js';
import type { LevelDraft, Work } from './context.js';
import { buyRefusal } from './margin-guard.js';
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

export type BuyAttempt = 'placed' | 'not_allowed' | 'below_minimum' | 'refused_margin';

/** Places a buy at `level` if every rule allows it. */
export function placeBuyAt(w: Work, level: LevelDraft, reason: string): BuyAttempt {
  const { s, config, market } = w;
  if (s.paused || level.state !== 'IDLE' || level.order) return 'not_allowed';
  if (level.role !== 'SUPPORT' || level.fillCounter >= config.max_fill_per_level) return 'not_allowed';
  if (!buyAllowed(level.price, market.price, config)) return 'not_allowed';
  const qty = gridUnit(config, market.rules);
  const min = minOrderCoins(buyPriceOf(level.price, market.rules), market.rules);
  if (qty.lessThan(min)) {
    raiseCondition(
      w,
      'warning',
      'grid_unit_below_minimum',
      'base_amount_per_grid is below the exchange minimum',
      {
        level: level.price.toFixed(),
        gridUnit: qty.toFixed(),
        minimum: min.toFixed(),
      },
    );
    return 'below_minimum';
  }
  const price = buyPriceOf(level.price, market.rules);
  const refusal = buyRefusal(w, price, qty);
  if (refusal) {
    raiseCondition(
      w,
      'warning',
      'buy_refused_margin',
      refusal === 'over_leverage'
        ? 'buys refused: the position with every live buy filled would exceed balance × leverage'
        : 'buys refused: liquidation would come before the stop loss',
      { level: level.price.toFixed(), refusal },
    );
    return 'refused_margin';
  }
  placeLevelOrder(w, level, 'buy', qty, reason);
  return 'placed';
}

export function placeMissingBuys(w: Work): void {
  let belowMinimum = false;
  let refused = false;
  let placed = false;
  // Nearest support first: when margin runs out, the buys that go are the ones price meets first.
  for (const level of [...w.s.levels].reverse()) {
    const attempt = placeBuyAt(w, level, 'missing buy at support');
    if (attempt === 'below_minimum') belowMinimum = true;
    if (attempt === 'refused_margin') refused = true;
    if (attempt === 'placed') placed = true;
  }
  if (!belowMinimum) clearCondition(w, 'grid_unit_below_minimum', 'grid unit clears the exchange minimum');
  // Hysteresis: a pass that had nothing to buy proves nothing; the refusal clears only when a buy goes out
  // again with none refused.
  if (!refused && placed) clearCondition(w, 'buy_refused_margin', 'buys fit the margin again');
}
