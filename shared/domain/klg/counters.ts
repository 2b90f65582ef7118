/**
 * Quota counters after a reset (SPEC §2 "Reset", seed FR-RESET).
 *
 * Entry points: `lockCountersFromHoldings` (reverse reconciliation), `consistencyGuard`, `clearCounters`.
 *
 * Reverse reconciliation locks `N = floor((holdings − base_position_locked) / base_amount_per_grid)`
 * counters: first at the levels where our recent grid buys filled (fill history, most recent first), then
 * supports far-to-near; if the holdings exceed every support, resistances take the rest nearest first
 * (a grid already holding more than its supports can absorb must not buy again when price returns).
 * Levels take one counter each per round, up to `max_fill_per_level`. Levels locked by an action in
 * flight (PLACING / CANCELING) are skipped: they belong to the other track, and the guard completes the
 * assignment on a later pass if it must.
 *
 * Invariants: after `lockCountersFromHoldings`, Σ counters = min(N, capacity) and the consistency guard
 * holds (|Σ counters × base − (holdings − locked)| ≤ one grid unit) unless the grid is saturated.
 */
import { decodeClientOrderId } from '../client-order-id.js';
import { type Decimal, maxDec, ZERO } from '../money.js';
import type { Fill } from '../orders.js';
import { alertEvent, clearCondition, raiseCondition } from './alerts.js';
import { isLocked, type Work } from './context.js';

export function gridUnits(w: Work): Decimal {
  const { s, config } = w;
  return maxDec(s.holdings.minus(config.base_position_locked), ZERO).dividedBy(config.base_amount_per_grid);
}

export function clearCounters(w: Work): void {
  for (const level of w.s.levels) level.fillCounter = 0;
  w.s.releasedQuotaRemainder = ZERO;
}

export function lockCountersFromHoldings(w: Work, history: readonly Fill[] = []): void {
  const { s, config } = w;
  clearCounters(w);
  let toLock = gridUnits(w).floor().toNumber();
  const max = config.max_fill_per_level;
  const capacity = s.levels.length * max;

  // Fill history first: levels of our own grid buys, most recent first.
  const historyLevels: number[] = [];
  for (const f of [...history].reverse()) {
    const d = decodeClientOrderId(f.clientOrderId);
    if (
      f.side === 'buy' &&
      d?.kind === 'level' &&
      d.instanceId === s.instanceId &&
      d.seq >= s.epochStartSeq
    ) {
      historyLevels.push(d.level);
    }
  }
  for (const index of historyLevels) {
    const level = s.levels[index];
    if (toLock <= 0 || !level || level.fillCounter >= max || isLocked(level)) continue;
    level.fillCounter += 1;
    toLock -= 1;
  }
  // Then far-to-near over supports, then nearest resistances: ascending price either way.
  for (let round = 0; round < max && toLock > 0; round++) {
    for (const level of s.levels) {
      if (toLock <= 0) break;
      if (level.fillCounter > round || isLocked(level)) continue;
      level.fillCounter += 1;
      toLock -= 1;
    }
  }
  if (toLock > 0) {
    raiseCondition(
      w,
      'warning',
      'holdings_exceed_grid',
      `holdings exceed what the grid's ${s.levels.length} levels can account for; no level will buy`,
      { holdings: s.holdings.toFixed(), capacityUnits: String(capacity) },
    );
  } else {
    clearCondition(w, 'holdings_exceed_grid', 'holdings fit the grid again');
  }
}

/**
 * Each recon: if counters and holdings disagree by more than one grid unit, alert and re-derive the counters
 * from the holdings. Returns whether it fired.
 */
export function consistencyGuard(w: Work, history: readonly Fill[] = []): boolean {
  const { s, config } = w;
  const units = gridUnits(w);
  const sum = s.levels.reduce((n, l) => n + l.fillCounter, 0);
  const saturated = sum >= s.levels.length * config.max_fill_per_level;
  const diff = units.minus(sum).abs();
  if (!diff.greaterThan(1)) return false;
  if (saturated && units.greaterThan(sum)) return false;
  alertEvent(w, 'warning', 'consistency_guard', 'fill counters disagree with holdings; re-deriving them', {
    counters: String(sum),
    holdingsUnits: units.toFixed(4),
    holdings: s.holdings.toFixed(),
  });
  lockCountersFromHoldings(w, history);
  return true;
}
