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
import { decodeClientOrderId } from '../../client-order-id.js';
import { Decimal, maxDec, ZERO } from '../../money.js';
import type { Fill } from '../../orders.js';
import { alertEvent, clearCondition, raiseCondition } from './alerts.js';
import type { KlgConfig } from './config.js';
import { isLocked, type Work } from './context.js';
import { unitOf } from './grid-unit.js';
import type { KlgState } from './state.js';

export function gridUnits(w: Work): Decimal {
  const { s, config } = w;
  return maxDec(s.holdings.minus(config.base_position_locked), ZERO).dividedBy(unitOf(config, s));
}

export function clearCounters(w: Work): void {
  for (const level of w.s.levels) level.fillCounter = 0;
  w.s.releasedQuotaRemainder = ZERO;
}

export function lockCountersFromHoldings(w: Work, history: readonly Fill[] = []): void {
  const { s, config } = w;
  clearCounters(w);
  const capacity = s.levels.length * config.max_fill_per_level;
  // Fill history first (most recent first), then far-to-near over supports, then nearest resistances.
  const toLock = lockMore(w, gridUnits(w).floor().toNumber(), history);
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
 * The range the counter sum may take for the holdings, in grid units. The lower bound counts only what is
 * not locked (`base_position_locked`, and the position held at an operator's counter reset); the upper
 * bound counts the whole holdings, since a locked base may have been bought by the grid itself. With
 * `max_fill_per_level > 1` the upper bound scales by it: a rebuild's N+1 rule blocks the N nearest supports
 * whole.
 */
export function counterRange(
  s: Pick<KlgState, 'holdings' | 'resetBaseQty' | 'unit'>,
  config: KlgConfig,
): { low: Decimal; high: Decimal } {
  const unit = unitOf(config, s);
  const free = maxDec(s.holdings.minus(config.base_position_locked).minus(s.resetBaseQty), ZERO);
  const high = maxDec(s.holdings, ZERO).dividedBy(unit).times(config.max_fill_per_level);
  return { low: free.dividedBy(unit), high };
}

/**
 * Each recon: if the counters fall outside the range the holdings allow by more than one grid unit, alert
 * and move them to the nearest edge of it — locking or releasing only the difference, so levels bought and
 * still held stay locked. Returns whether it fired.
 */
export function consistencyGuard(w: Work, history: readonly Fill[] = []): boolean {
  const { s, config } = w;
  const { low, high } = counterRange(s, config);
  const sum = s.levels.reduce((n, l) => n + l.fillCounter, 0);
  const saturated = sum >= s.levels.length * config.max_fill_per_level;
  let target: number | null = null;
  if (low.minus(sum).greaterThan(1) && !saturated) target = low.floor().toNumber();
  else if (new Decimal(sum).minus(high).greaterThan(1)) target = high.ceil().toNumber();
  if (target === null) return false;
  alertEvent(
    w,
    'warning',
    'consistency_guard',
    'fill counters disagree with holdings; correcting the difference',
    {
      counters: String(sum),
      target: String(target),
      holdings: s.holdings.toFixed(),
    },
  );
  if (target > sum) lockMore(w, target - sum, history);
  else releaseCounters(w, sum - target, history);
  return true;
}

/** Levels our recent grid buys filled at (fill history, most recent first). */
function historyLevels(w: Work, history: readonly Fill[]): number[] {
  const out: number[] = [];
  for (const f of [...history].reverse()) {
    const d = decodeClientOrderId(f.clientOrderId);
    if (
      f.side === 'buy' &&
      d?.kind === 'level' &&
      d.instanceId === w.s.instanceId &&
      d.seq >= w.s.epochStartSeq
    )
      out.push(d.level);
  }
  return out;
}

/**
 * Adds `n` counters: fill history first, then far-to-near (ascending price), one per level per round.
 * Returns how many could not be placed (the grid is full).
 */
function lockMore(w: Work, n: number, history: readonly Fill[]): number {
  const max = w.config.max_fill_per_level;
  let toLock = n;
  for (const index of historyLevels(w, history)) {
    const level = w.s.levels[index];
    if (toLock <= 0 || !level || level.fillCounter >= max || isLocked(level)) continue;
    level.fillCounter += 1;
    toLock -= 1;
  }
  for (let round = 0; round < max && toLock > 0; round++) {
    for (const level of w.s.levels) {
      if (toLock <= 0) break;
      if (level.fillCounter > round || level.fillCounter >= max || isLocked(level)) continue;
      level.fillCounter += 1;
      toLock -= 1;
    }
  }
  return toLock;
}

/**
 * Removes `n` counters from levels the fill history does not support, lowest price first (as sells
 * release), then from supported ones.
 */
function releaseCounters(w: Work, n: number, history: readonly Fill[]): void {
  const supported = new Set(historyLevels(w, history));
  let toRelease = n;
  for (const pass of [false, true]) {
    for (const level of w.s.levels) {
      if (toRelease <= 0) return;
      if (supported.has(level.index) !== pass || isLocked(level)) continue;
      while (level.fillCounter > 0 && toRelease > 0) {
        level.fillCounter -= 1;
        toRelease -= 1;
      }
    }
  }
}
