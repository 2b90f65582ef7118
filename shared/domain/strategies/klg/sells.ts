/**
 * Sell-side maintenance shared by both tracks.
 *
 * Entry points:
 *  - `cancelGuardViolations`: cancels live sells priced at or below `avg_entry × (1 + min_profit_pct)`.
 *  - `trimExcessSells`: keeps live sells ≤ the sell target, cutting farthest first.
 *  - `realignSells` (recon): the profit-guard waterfall applied incrementally, level by level (amend where
 *    the venue can, else cancel; never cancel-all). It acts only when something is wrong: a sell total
 *    above target, or a shortfall large enough to place. (The spec's "more than one grid unit" tolerance
 *    exists against churn; with the quota-capped target no systematic drift remains, and a failed
 *    event-track follow-up of 0.7 units must still be repaired by the next recon, so the tolerance here is
 *    one minimum order.)
 *  - `placeDeltaSell` (event track): only the delta of a buy fill, topping up a sell below one grid unit
 *    first, else the next empty qualified resistance; no global reallocation.
 */
import { type Decimal, minDec, ZERO } from '../../money.js';
import { contractsToCoins, minOrderCoins, roundQty } from '../../symbol-rules.js';
import { clearCondition, raiseCondition } from './alerts.js';
import { isLocked, type LevelDraft, type Work } from './context.js';
import { amendLevelOrder, cancelLevelOrder, placeLevelOrder } from './order-actions.js';
import { profitGuardFloor, sellPriceOf, sellSpaceOk } from './polarity.js';
import { gridUnit, sellTarget, waterfallAllocate } from './sell-target.js';

/** Sells that count against the target: in flight or resting, not on their way out. */
export function countedSellQty(w: Work): Decimal {
  let total = ZERO;
  for (const l of w.s.levels) {
    if (l.order?.side === 'sell' && l.state !== 'CANCELING') total = total.plus(l.order.openQty);
  }
  return total;
}

export function cancelGuardViolations(w: Work): void {
  const floor = profitGuardFloor(w.s.avgEntry, w.config);
  for (const level of w.s.levels) {
    const o = level.order;
    if (level.state !== 'ACTIVE' || o?.side !== 'sell') continue;
    if (!o.price.greaterThan(floor)) {
      cancelLevelOrder(
        w,
        level,
        `profit guard: sell at ${o.price.toFixed()} is not above the average entry plus margin`,
      );
    }
  }
}

export function trimExcessSells(w: Work): void {
  const target = sellTarget(w.s, w.config);
  let live = countedSellQty(w);
  if (!live.greaterThan(target)) return;
  const step = contractsToCoins(w.market.rules.stepSize, w.market.rules);
  const farthestFirst = [...w.s.levels].reverse();
  for (const level of farthestFirst) {
    if (!live.greaterThan(target)) break;
    const o = level.order;
    if (level.state !== 'ACTIVE' || o?.side !== 'sell') continue;
    const excess = live.minus(target);
    const keep = roundQty(o.openQty.minus(excess), w.market.rules);
    if (keep.lessThan(minOrderCoins(o.price, w.market.rules)) || keep.lessThan(step)) {
      cancelLevelOrder(w, level, 'sells exceed the sell target');
      live = live.minus(o.openQty);
    } else {
      live = live.minus(o.openQty).plus(keep);
      amendLevelOrder(w, level, keep, 'sells exceed the sell target');
    }
  }
}

export function realignSells(w: Work): void {
  const { s, config, market } = w;
  const target = sellTarget(s, config);
  const resistances = s.levels
    .filter((l) => l.role === 'RESISTANCE')
    .map((l) => ({ index: l.index, price: l.price, hasLiveSell: l.order?.side === 'sell' }));
  const plan = waterfallAllocate(resistances, target, s.avgEntry, market.price, config, market.rules, s);
  for (const level of s.levels) level.profitLocked = plan.profitLocked.has(level.index);

  if (plan.allocations.size === 0 && roundQty(target, market.rules).greaterThan(0)) {
    raiseCondition(
      w,
      'warning',
      'no_qualified_resistance',
      'no resistance passes the profit guard: no sells placed',
      {
        avgEntry: s.avgEntry.toFixed(),
        target: target.toFixed(),
      },
    );
  } else if (plan.allocations.size > 0) {
    clearCondition(w, 'no_qualified_resistance', 'sells can be placed again');
  }

  let planned = ZERO;
  for (const q of plan.allocations.values()) planned = planned.plus(q);
  const live = countedSellQty(w);
  const first = plan.allocations.keys().next();
  const nearestMin = first.done
    ? ZERO
    : minOrderCoins(sellPriceOf(s.levels[first.value]!.price, market.rules), market.rules);
  const shortfall = planned.minus(live);
  if (!live.greaterThan(target) && shortfall.lessThan(nearestMin.greaterThan(0) ? nearestMin : '1e-30'))
    return;

  const step = contractsToCoins(market.rules.stepSize, market.rules);
  for (const level of s.levels) {
    if (isLocked(level)) continue;
    const desired = plan.allocations.get(level.index) ?? ZERO;
    const o = level.order;
    if (o?.side === 'sell' && level.state === 'ACTIVE') {
      if (desired.isZero()) cancelLevelOrder(w, level, 'waterfall: no sell allocated here');
      else if (desired.minus(o.openQty).abs().greaterThanOrEqualTo(step)) {
        amendLevelOrder(w, level, desired, `waterfall: ${o.openQty.toFixed()} → ${desired.toFixed()}`);
      }
    } else if (!o && level.state === 'IDLE' && desired.greaterThan(0)) {
      placeLevelOrder(w, level, 'sell', desired, 'waterfall');
    }
  }
}

/** Event track: sells for just the bought delta. */
export function placeDeltaSell(w: Work, boughtQty: Decimal): void {
  const { s, config, market } = w;
  const target = sellTarget(s, config);
  let delta = roundQty(
    minDec(boughtQty.times(config.sell_quota_ratio), target.minus(countedSellQty(w))),
    market.rules,
  );
  if (!delta.greaterThan(0)) return;
  const unit = gridUnit(config, s, market.rules);
  const floor = profitGuardFloor(s.avgEntry, config);
  const qualified = s.levels.filter((l) => {
    if (l.role !== 'RESISTANCE' || isLocked(l)) return false;
    if (!sellPriceOf(l.price, market.rules).greaterThan(floor)) return false;
    if (l.order?.side === 'sell' && l.state === 'ACTIVE') return true;
    return !l.order && l.state === 'IDLE' && sellSpaceOk(l.price, market.price, config);
  });
  const additions = new Map<number, Decimal>();
  const add = (l: LevelDraft, q: Decimal) => additions.set(l.index, (additions.get(l.index) ?? ZERO).plus(q));

  // 1. Top up a live sell below one grid unit.
  for (const l of qualified) {
    if (!delta.greaterThan(0)) break;
    if (!l.order?.openQty.lessThan(unit)) continue;
    const q = minDec(delta, unit.minus(l.order.openQty));
    add(l, q);
    delta = delta.minus(q);
  }
  // 2. The next empty qualified resistances, one grid unit each.
  for (const l of qualified) {
    if (!delta.greaterThan(0)) break;
    if (l.order) continue;
    const q = minDec(delta, unit);
    add(l, q);
    delta = delta.minus(q);
  }
  // 3. Whatever is left goes onto the last qualified level.
  const last = qualified[qualified.length - 1];
  if (delta.greaterThan(0) && last) add(last, delta);

  // Merge placements below the exchange minimum into an amend of an existing sell, else leave for recon.
  const activeTarget = [...additions.keys()].map((i) => s.levels[i]!).find((l) => l.order);
  for (const [index, q] of [...additions]) {
    const l = s.levels[index]!;
    if (l.order) continue;
    if (q.lessThan(minOrderCoins(sellPriceOf(l.price, market.rules), market.rules))) {
      additions.delete(index);
      if (activeTarget)
        additions.set(activeTarget.index, (additions.get(activeTarget.index) ?? ZERO).plus(q));
    }
  }
  for (const [index, q] of additions) {
    const l = s.levels[index]!;
    if (l.order) amendLevelOrder(w, l, l.order.openQty.plus(q), `buy fill: top up by ${q.toFixed()}`);
    else placeLevelOrder(w, l, 'sell', q, `buy fill: delta sell ${q.toFixed()}`);
  }
}
