/**
 * Liquidation must never come before the stop (SPEC §2 "Stop loss": "the stop sits above the liquidation
 * price; an order that would put liquidation first is refused").
 *
 * Entry points: `estimateLiquidationPrice`, `marginOf`, `buyRefusal`, `checkStopAboveLiquidation`,
 * `gridFeasibility` (the same arithmetic for config validation).
 *
 * The estimate is the cross-margin one for a single long position: the account is liquidated when
 * `wallet + qty × (P − entry) = mmr × qty × P`, so `P_liq = (qty × entry − wallet) / (qty × (1 − mmr))`
 * (none while the wallet covers the whole cost). Other positions on the account are not counted: with
 * several instances on one account, give each a wallet share by its own `risk.maint_margin_rate` margin.
 *
 * Invariants:
 *  1. A buy is refused when the position with every live buy filled (and this one) would exceed
 *     `wallet × leverage`, or would have its estimated liquidation price within
 *     `risk.stop_liquidation_gap_pct` of the stop trigger (or of the lowest level when the stop is off).
 *  2. While the held position's liquidation price (the exchange's figure or our estimate, whichever is
 *     higher) is at or above the stop trigger, a critical condition is raised and no buy is placed.
 */

import { type Decimal, floorTo, maxDec, ONE, ZERO } from '../../money.js';
import type { SymbolRules } from '../../symbol-rules.js';
import { clearCondition, raiseCondition } from './alerts.js';
import type { KlgConfig } from './config.js';
import type { Work } from './context.js';
import type { MarginFacts } from './state.js';

export function estimateLiquidationPrice(
  qty: Decimal,
  entry: Decimal,
  wallet: Decimal,
  maintMarginRate: Decimal,
): Decimal | null {
  if (!qty.greaterThan(0)) return null;
  const shortfall = qty.times(entry).minus(wallet);
  if (!shortfall.greaterThan(0)) return null;
  return shortfall.dividedBy(qty.times(ONE.minus(maintMarginRate)));
}

export function marginOf(w: Work): MarginFacts | null {
  return w.market.margin ?? w.s.margin;
}

/** The stop trigger for a position at `avgEntry` (null when the stop is off). */
export function stopTriggerAt(
  config: KlgConfig,
  lowestLevel: Decimal | undefined,
  avgEntry: Decimal,
  rules: SymbolRules,
): Decimal | null {
  const sl = config.stop_loss;
  if (!sl.enabled) return null;
  const raw =
    sl.mode === 'lowest_support' && lowestLevel
      ? lowestLevel.times(ONE.minus(sl.lowest_support_offset_pct))
      : avgEntry.times(ONE.minus(sl.avg_entry_pct));
  const trigger = floorTo(raw, rules.tickSize);
  return trigger.greaterThan(0) ? trigger : null;
}

/** The price liquidation must stay below: the stop trigger, or the lowest level with the stop off. */
function protectionFloor(w: Work, avgEntry: Decimal): Decimal | null {
  const lowest = w.s.levels[0]?.price;
  return stopTriggerAt(w.config, lowest, avgEntry, w.market.rules) ?? lowest ?? null;
}

export type BuyRefusal = 'over_leverage' | 'liquidation_before_stop' | 'stop_behind_liquidation';

/** Why a buy of `qty` at `price` must not be placed now (null: it may). */
export function buyRefusal(w: Work, price: Decimal, qty: Decimal): BuyRefusal | null {
  if (w.s.activeAlerts.includes('liquidation_before_stop')) return 'stop_behind_liquidation';
  const m = marginOf(w);
  if (!m) return null;
  let worstQty = maxDec(w.s.holdings, ZERO);
  let cost = worstQty.times(w.s.avgEntry);
  for (const level of w.s.levels) {
    const o = level.order;
    if (o?.side !== 'buy' || level.state === 'CANCELING') continue;
    worstQty = worstQty.plus(o.openQty);
    cost = cost.plus(o.openQty.times(o.price));
  }
  worstQty = worstQty.plus(qty);
  cost = cost.plus(qty.times(price));
  if (m.leverage?.greaterThan(0) && cost.greaterThan(m.wallet.times(m.leverage))) return 'over_leverage';
  const avg = cost.dividedBy(worstQty);
  const liq = estimateLiquidationPrice(worstQty, avg, m.wallet, m.maintMarginRate);
  const floor = protectionFloor(w, avg);
  if (!liq || !floor) return null;
  const margin = ONE.plus(w.config.risk.stop_liquidation_gap_pct);
  return liq.times(margin).greaterThanOrEqualTo(floor) ? 'liquidation_before_stop' : null;
}

/** Raises (or clears) the critical condition "the held position would be liquidated before its stop". */
export function checkStopAboveLiquidation(w: Work): void {
  const { s } = w;
  const m = marginOf(w);
  const trigger = s.holdings.greaterThan(0)
    ? stopTriggerAt(w.config, s.levels[0]?.price, s.avgEntry, w.market.rules)
    : null;
  if (!m || !trigger) {
    clearCondition(w, 'liquidation_before_stop', 'the position has no liquidation risk before its stop');
    return;
  }
  const estimate = estimateLiquidationPrice(s.holdings, s.avgEntry, m.wallet, m.maintMarginRate);
  const reported = m.liquidationPrice?.greaterThan(0) ? m.liquidationPrice : null;
  const liq = estimate && reported ? maxDec(estimate, reported) : (estimate ?? reported);
  if (liq?.greaterThanOrEqualTo(trigger)) {
    raiseCondition(
      w,
      'critical',
      'liquidation_before_stop',
      'the estimated liquidation price is at or above the stop trigger: no more buys until it is not',
      { liquidation: liq.toFixed(8), trigger: trigger.toFixed(), holdings: s.holdings.toFixed() },
    );
  } else {
    clearCondition(w, 'liquidation_before_stop', 'the stop sits above the liquidation price again');
  }
}

export interface FeasibilityInput {
  readonly config: KlgConfig;
  readonly rules: SymbolRules;
  /** Level prices, any order. */
  readonly levels: readonly Decimal[];
  readonly wallet: Decimal;
  readonly leverage: Decimal | null;
}

/**
 * Can this grid work at all on this balance? One grid unit bought at the highest level must neither
 * exceed `wallet × leverage` nor put liquidation within the gap of the stop. Returns the reason it
 * cannot (null: it can; a grid that can buy some levels but not all runs, refusing the rest with one alert).
 */
export function gridFeasibility(i: FeasibilityInput): string | null {
  const sorted = [...i.levels].sort((a, b) => a.comparedTo(b));
  const lowest = sorted[0];
  const highest = sorted[sorted.length - 1];
  if (!lowest || !highest) return null;
  const unit = i.config.base_amount_per_grid;
  const cost = unit.times(highest);
  if (i.leverage?.greaterThan(0) && cost.greaterThan(i.wallet.times(i.leverage))) {
    return `one grid unit (${unit.toFixed()} coins ≈ ${cost.toFixed(2)}) exceeds the balance ${i.wallet.toFixed()} × leverage ${i.leverage.toFixed()}`;
  }
  const liq = estimateLiquidationPrice(unit, highest, i.wallet, i.config.risk.maint_margin_rate);
  const floor = stopTriggerAt(i.config, lowest, highest, i.rules) ?? lowest;
  if (liq?.times(ONE.plus(i.config.risk.stop_liquidation_gap_pct)).greaterThanOrEqualTo(floor)) {
    return `with a balance of ${i.wallet.toFixed()}, one grid unit of ${unit.toFixed()} coins would be liquidated near ${liq.toFixed(6)}, at or above the stop trigger ${floor.toFixed()}`;
  }
  return null;
}
