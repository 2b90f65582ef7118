/**
 * Liquidation must never come before the stop (SPEC §2 "Stop loss": "the stop sits above the liquidation
 * price; an order that would put liquidation first is refused"): the grid's side of it.
 *
 * Entry points: `klgMarginPolicy` (the facts the pre-trade step's margin check judges every opening order
 * with: `guards/margin.ts` is the one implementation of the rule), `checkStopAboveLiquidation`,
 * `stopTriggerAt`, `marginOf`, `gridFeasibility` (the same arithmetic for config validation).
 *
 * Invariants:
 *  1. The margin check sees where the grid's stop would sit for any average entry (the lowest level when
 *     the stop is off), the wallet and leverage recon last read, and the grid's maintenance-margin rate and
 *     gap (`risk.maint_margin_rate`, `risk.stop_liquidation_gap_pct`).
 *  2. While the held position's liquidation price (the exchange's figure or our estimate, whichever is
 *     higher) is at or above the stop trigger, a critical condition is raised and the margin check denies
 *     every buy.
 */

import { estimateLiquidationPrice, type MarginPolicy } from '../../guards/margin.js';
import { type Decimal, floorTo, maxDec, ONE } from '../../money.js';
import type { SymbolRules } from '../../symbol-rules.js';
import { clearCondition, raiseCondition } from './alerts.js';
import type { KlgConfig } from './config.js';
import type { Work } from './context.js';
import type { KlgState, MarginFacts } from './state.js';

export { estimateLiquidationPrice };

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

/**
 * The grid's margin facts for the pre-trade step's margin check (`guards/margin.ts`, the one implementation
 * of "no order that puts liquidation before the stop"): the wallet and leverage recon last read, and where
 * the stop would sit for a position at a given entry (the lowest level when the stop is off). Null before
 * recon has read them.
 */
export function klgMarginPolicy(config: KlgConfig, s: KlgState, rules: SymbolRules): MarginPolicy | null {
  const m = s.margin;
  if (!m) return null;
  const lowest = s.levels[0]?.price;
  return {
    wallet: m.wallet,
    leverage: m.leverage,
    maintMarginRate: m.maintMarginRate,
    gapPct: config.risk.stop_liquidation_gap_pct,
    stopAt: (avgEntry) => stopTriggerAt(config, lowest, avgEntry, rules) ?? lowest ?? null,
    blocked: s.activeAlerts.includes('liquidation_before_stop'),
  };
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
  /** The grid unit in coins (`unitOf`, or a quote amount converted for the check). */
  readonly unit: Decimal;
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
  const unit = i.unit;
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
