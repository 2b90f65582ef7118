/**
 * The decisions the concurrency tests make, behind one seam. `modelDecisions` models the real engine on the
 * real `KlgState` (a fill adds its trade id to `recentTrades` and moves holdings; recon also rewrites level
 * bookkeeping). When the KLG engine's `onFill` / `planRecon` land, an adapter of them to `GridDecisions`
 * runs the same races against the real rules.
 */

import { ZERO } from '../../../shared/domain/money.js';
import type { Fill } from '../../../shared/domain/orders.js';
import type { KlgState as GridState, LevelRole } from '../../../shared/domain/strategies/klg/state.js';

export interface GridDecisions {
  /** The state with `fill` applied, or null if its trade id was already applied. */
  onFill(state: GridState, fill: Fill): GridState | null;
  /**
   * A recon pass at `now` given every trade the exchange has so far (oldest first): applies those the state
   * lacks, repairs the grid, and says which trades it applied.
   */
  recon(state: GridState, trades: readonly Fill[], now: number): { next: GridState; applied: string[] };
}

function alreadyApplied(state: GridState, fill: Fill): boolean {
  return state.recentTrades.some((t) => t.id === fill.tradeId);
}

function applyFill(state: GridState, fill: Fill): GridState | null {
  if (alreadyApplied(state, fill)) return null;
  const at = state.levels.findIndex((l) => l.price.equals(fill.price));
  if (at < 0) throw new Error(`fill ${fill.tradeId} at ${fill.price} matches no level`);
  const holdings = state.holdings.plus(fill.qty);
  const avgEntry = state.avgEntry.times(state.holdings).plus(fill.price.times(fill.qty)).dividedBy(holdings);
  const cursor = state.fillCursor;
  return {
    ...state,
    holdings,
    avgEntry: holdings.isZero() ? ZERO : avgEntry,
    feesPaid: state.feesPaid.plus(fill.fee),
    levels: state.levels.map((l, i) => (i === at ? { ...l, fillCounter: l.fillCounter + 1 } : l)),
    recentTrades: [...state.recentTrades, { id: fill.tradeId, time: fill.time }],
    fillCursor: cursor && cursor.time > fill.time ? cursor : { time: fill.time, tradeId: fill.tradeId },
    updatedAt: Math.max(state.updatedAt, fill.time),
  };
}

const RECON_WINDOW = 50;
const ROLES: readonly LevelRole[] = ['SUPPORT', 'RESISTANCE', 'AT_PRICE'];

export const modelDecisions: GridDecisions = {
  onFill: applyFill,
  recon(state, trades, now) {
    let next = state;
    const applied: string[] = [];
    // The model has no cursor: it looks back over the latest trades only, as a bounded trade query would.
    for (const fill of trades.slice(-RECON_WINDOW)) {
      const after = applyFill(next, fill);
      if (after) {
        next = after;
        applied.push(fill.tradeId);
      }
    }
    // Repair bookkeeping the way a recon pass rewrites level fields (role, state age, profit guard).
    const touched = now % next.levels.length;
    next = {
      ...next,
      levels: next.levels.map((l, i) =>
        i === touched
          ? {
              ...l,
              role: ROLES[(ROLES.indexOf(l.role) + 1) % ROLES.length] as LevelRole,
              stateSince: now,
              profitLocked: !l.profitLocked,
            }
          : l,
      ),
      lastReconAt: now,
      updatedAt: Math.max(next.updatedAt, now),
    };
    return { next, applied };
  },
};
