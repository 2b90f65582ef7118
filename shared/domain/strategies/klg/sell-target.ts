/**
 * The sell target and the profit-guard waterfall (SPEC §2).
 *
 * Entry points: `sellTarget`, `waterfallAllocate`, `gridUnit`.
 *
 * `sellTarget` is the spec's `max(holdings − base_position_locked, 0) × sell_quota_ratio`, additionally
 * capped by the quota still unsold since the position was last flat
 * (`sell_quota_ratio × bought − sold`). The cap is what keeps the seed's acceptance rule true ("the base
 * position never drops below 30% of what was bought"): without it, re-applying 70% to the holdings left
 * after each sale would sell the base position away geometrically over repeated rallies.
 *
 * Waterfall invariants:
 *  1. Σ allocations ≤ target, each allocation on the step and ≥ the exchange minimum at its price.
 *  2. Only resistances whose sell price passes the profit guard get an allocation, nearest first,
 *     `base_amount_per_grid` each; the remainder after the last one goes onto the last qualified level.
 *  3. A slice below the exchange minimum merges into the previous slice (the next one if it is first).
 *  4. A level inside the sell buffer qualifies only if it already holds a live sell (never cancel a sell
 *     that price is approaching).
 */

import { type Decimal, maxDec, minDec, ZERO } from '../../money.js';
import { minOrderCoins, roundQty, type SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import { type ConvertedUnit, unitOf } from './grid-unit.js';
import { profitGuardFloor, sellPriceOf, sellSpaceOk } from './polarity.js';

export function sellTarget(
  s: { readonly holdings: Decimal; readonly boughtSinceFlat: Decimal; readonly soldSinceFlat: Decimal },
  config: KlgConfig,
): Decimal {
  const byHoldings = maxDec(s.holdings.minus(config.base_position_locked), ZERO).times(
    config.sell_quota_ratio,
  );
  const byQuota = maxDec(s.boughtSinceFlat.times(config.sell_quota_ratio).minus(s.soldSinceFlat), ZERO);
  return minDec(byHoldings, byQuota);
}

/** One grid unit in coins, as the exchange can express it. */
export function gridUnit(
  config: KlgConfig,
  s: { readonly unit: ConvertedUnit | null },
  rules: SymbolRules,
): Decimal {
  return roundQty(unitOf(config, s), rules);
}

export interface WaterfallLevel {
  readonly index: number;
  readonly price: Decimal;
  /** The level holds a live (or in-flight) sell: it stays eligible inside the sell buffer. */
  readonly hasLiveSell: boolean;
}

export interface WaterfallResult {
  /** Coins per level index, in allocation order (nearest first). */
  readonly allocations: ReadonlyMap<number, Decimal>;
  /** Resistances skipped because their sell price fails the profit guard. */
  readonly profitLocked: ReadonlySet<number>;
  /** Target that could not be placed (no qualified level, or below the exchange minimum). */
  readonly unallocated: Decimal;
}

/**
 * Spreads `target` coins over `resistances` (ascending price = nearest first).
 */
export function waterfallAllocate(
  resistances: readonly WaterfallLevel[],
  target: Decimal,
  avgEntry: Decimal,
  price: Decimal,
  config: KlgConfig,
  rules: SymbolRules,
  /** The state the unit of a quote-sized config was converted in (a coin-sized config needs none). */
  s: { readonly unit: ConvertedUnit | null } = { unit: null },
): WaterfallResult {
  const profitLocked = new Set<number>();
  const floor = profitGuardFloor(avgEntry, config);
  const qualified: { index: number; sellPrice: Decimal }[] = [];
  for (const r of resistances) {
    const sellPrice = sellPriceOf(r.price, rules);
    if (!sellPrice.greaterThan(floor)) {
      profitLocked.add(r.index);
      continue;
    }
    if (!r.hasLiveSell && !sellSpaceOk(r.price, price, config)) continue;
    qualified.push({ index: r.index, sellPrice });
  }

  const total = roundQty(target, rules);
  const unit = gridUnit(config, s, rules);
  const slices: { index: number; sellPrice: Decimal; qty: Decimal }[] = [];
  let remaining = total;
  for (const q of qualified) {
    if (!remaining.greaterThan(0)) break;
    const qty = unit.greaterThan(0) ? minDec(remaining, unit) : remaining;
    slices.push({ ...q, qty });
    remaining = remaining.minus(qty);
  }
  if (remaining.greaterThan(0) && slices.length > 0) {
    const last = slices[slices.length - 1]!;
    last.qty = last.qty.plus(remaining);
    remaining = ZERO;
  }

  // Merge slices below the exchange minimum: into the previous slice, or the next one for the first.
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < slices.length; i++) {
      const s = slices[i]!;
      if (s.qty.greaterThanOrEqualTo(minOrderCoins(s.sellPrice, rules))) continue;
      if (slices.length === 1) {
        remaining = remaining.plus(s.qty);
        slices.splice(i, 1);
      } else {
        const into = i > 0 ? slices[i - 1]! : slices[i + 1]!;
        into.qty = into.qty.plus(s.qty);
        slices.splice(i, 1);
      }
      merged = true;
      break;
    }
  }

  const allocations = new Map<number, Decimal>();
  for (const s of slices) allocations.set(s.index, s.qty);
  return { allocations, profitLocked, unallocated: remaining.plus(target.minus(total)) };
}
