/**
 * The Key Level Grid's invariants as a checker: the property tests assert it after every step, and the
 * simulator reports any violation it sees. Returns one line per violation (empty = healthy).
 *
 * Orders in doubt (a call whose outcome is unknown, or a cancel the exchange refused) are excepted from the
 * quota, profit-guard and sell-target checks: no decision can act on them until recon settles them by
 * client order id, which it does first thing on its next pass.
 */

import { isMultipleOf, ZERO } from '../../money.js';
import { minOrderCoins, type SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import { counterRange } from './counters.js';
import { knownUnit } from './grid-unit.js';
import { profitGuardFloor } from './polarity.js';
import { sellTarget } from './sell-target.js';
import type { KlgState } from './state.js';

export function checkKlgInvariants(state: KlgState, config: KlgConfig, rules: SymbolRules): string[] {
  const out: string[] = [];
  const guard = profitGuardFloor(state.avgEntry, config);
  let liveSells = ZERO;
  state.levels.forEach((level, i) => {
    if (level.index !== i) out.push(`level ${i} has index ${level.index}`);
    if (i > 0 && !level.price.greaterThan(state.levels[i - 1]!.price))
      out.push(`level ${i} is not above level ${i - 1}`);
    if (level.fillCounter < 0 || level.fillCounter > config.max_fill_per_level) {
      out.push(`level ${i} counter ${level.fillCounter} outside [0, ${config.max_fill_per_level}]`);
    }
    const o = level.order;
    if ((level.state === 'IDLE' || level.state === 'FILLED') && o)
      out.push(`level ${i} is ${level.state} with an order`);
    if ((level.state === 'PLACING' || level.state === 'ACTIVE' || level.state === 'CANCELING') && !o) {
      out.push(`level ${i} is ${level.state} without an order`);
    }
    if (!o) return;
    if (o.seq >= state.nextSeq) out.push(`level ${i} order seq ${o.seq} ≥ nextSeq ${state.nextSeq}`);
    if (!isMultipleOf(o.price, rules.tickSize)) out.push(`level ${i} order price ${o.price} off the tick`);
    if (!isMultipleOf(o.qty.dividedBy(rules.contractSize), rules.stepSize))
      out.push(`level ${i} qty ${o.qty} off the step`);
    if (o.openQty.isNegative()) out.push(`level ${i} negative open qty`);
    const live = level.state === 'PLACING' || level.state === 'ACTIVE';
    // An order in doubt (its cancel was refused, or a call's outcome is unknown) is retried by recon.
    if (o.side === 'buy' && live && !o.uncertain && level.fillCounter >= config.max_fill_per_level) {
      out.push(`level ${i} holds a live buy with its quota used (${level.fillCounter})`);
    }
    if (o.side === 'sell' && live && !o.uncertain) {
      liveSells = liveSells.plus(o.openQty);
      if (!o.price.greaterThan(guard))
        out.push(`level ${i} sell at ${o.price} is not above the profit guard ${guard}`);
    }
    if (live && o.pending === 'place' && o.qty.lessThan(minOrderCoins(o.price, rules))) {
      out.push(`level ${i} order ${o.qty} below the exchange minimum`);
    }
  });
  const target = sellTarget(state, config);
  if (liveSells.greaterThan(target)) out.push(`live sells ${liveSells} exceed the sell target ${target}`);
  if (state.holdings.greaterThan(0) === state.avgEntry.isZero()) {
    out.push(`avg entry ${state.avgEntry} with holdings ${state.holdings}`);
  }
  if (state.releasedQuotaRemainder.isNegative() || state.releasedQuotaRemainder.greaterThanOrEqualTo(1)) {
    out.push(`released-quota remainder ${state.releasedQuotaRemainder} outside [0, 1)`);
  }
  return out;
}

/** How far (in grid units) the counter sum lies outside the range the holdings allow (0 inside it). */
export function counterDrift(state: KlgState, config: KlgConfig): number {
  // A unit not converted yet (the config just switched to quote sizing): the next recon converts it.
  if (!knownUnit(config, state)) return 0;
  const { low, high } = counterRange(state, config);
  const sum = state.levels.reduce((n, l) => n + l.fillCounter, 0);
  if (low.greaterThan(sum)) return low.minus(sum).toNumber();
  if (high.lessThan(sum)) return high.negated().plus(sum).toNumber();
  return 0;
}
