/**
 * The recon track (SPEC §2 "Two tracks"): the scheduled pass that makes the grid right again, whatever
 * happened since the last one.
 *
 * Entry point: `planRecon(state, snapshot, config, now)` → `{ state, commands }`. With `ordersToLookUp`
 * (recon-sync.ts) the shell knows which order fates to fetch before calling it.
 *
 * Order of a pass:
 *  1. apply trade history after the cursor (the one fill-accounting implementation), move the cursor;
 *  2. sync order states with the exchange (adopt, settle zombies and vanished orders, adopt or cancel
 *     orphans of ours) — an open order the (later-read) trade history shows filled is not live —
 *     reconcile the position;
 *  3. auto-clear at zero holdings, roles against the current price, consistency guard;
 *  4. protection: liquidation vs stop, the stop loss (or a protective close when its trigger is behind
 *     the price) — first, so its commands go out before any grid order;
 *  5. buys: cancel those that flipped to resistance, sit on a used-up level, or are opening orders of a
 *     paused instance;
 *  6. sells: cancel profit-guard violations, trim above target, realign by the waterfall;
 *  7. place missing buys (nearest first, within the margin guard).
 *
 * Invariants after a pass (property-tested): no live buy at a level whose counter reached the maximum; no
 * live sell at or below `avg_entry × (1 + min_profit_pct)`; live sells ≤ the sell target; counters agree
 * with holdings within one grid unit (unless the grid is saturated); every price on the tick, every
 * quantity on the step and above the exchange minimum.
 */
import type { Decision } from '../../commands.js';
import { ZERO } from '../../money.js';
import type { ExchangeOrder, Position } from '../../orders.js';
import type { LegResync } from '../../strategy.js';
import { raiseCondition } from './alerts.js';
import { cancelInvalidBuys, placeMissingBuys } from './buys.js';
import type { KlgConfig } from './config.js';
import { finish, type MarketFacts, type ReconSnapshot, startWork } from './context.js';
import { consistencyGuard } from './counters.js';
import {
  type AppliedFill,
  appliedFills,
  autoClearIfFlat,
  judgeFillCursor,
  judgeJournal,
} from './fill-accounting.js';
import { resizeGridUnit } from './grid-unit.js';
import { checkStopAboveLiquidation } from './margin-guard.js';
import { applyRoles } from './polarity.js';
import {
  adoptOrphanOrders,
  applyTradeHistory,
  ownOpenOrders,
  reconcilePosition,
  settleAgainstTrades,
  syncLevelOrders,
} from './recon-sync.js';
import { cancelGuardViolations, realignSells, trimExcessSells } from './sells.js';
import type { KlgState, StopState } from './state.js';
import { maintainStop, settleFlatten } from './stop-loss.js';

/** A recon decision, plus the fills from trade history it applied (the event track had missed them). */
export interface ReconDecision extends Decision<KlgState> {
  readonly applied: readonly AppliedFill[];
  /** Stops found live that the state had not seen confirmed (journal them as placed). */
  readonly stopsFound: readonly StopState[];
  /** The ledger adopted the exchange's position on this pass (recon-sync invariant 4). */
  readonly resynced: readonly LegResync[];
}

export function planRecon(
  state: KlgState,
  snapshot: ReconSnapshot,
  config: KlgConfig,
  now: number,
): ReconDecision {
  const w = startWork(state, config, snapshot, now);
  if (snapshot.margin) w.s.margin = snapshot.margin;
  const effects = applyTradeHistory(w, snapshot.fills);
  const applied = effects.filter((e) => e.applied).length;
  judgeFillCursor(w);
  judgeJournal(w);

  // The open-order list was read before the trade history: an order the history shows filled since is
  // not live, whatever the (older) list says.
  const openOrders = settleAgainstTrades(snapshot.openOrders, snapshot.fills);
  const own = ownOpenOrders(state.instanceId, openOrders);
  const ownLimits = own.filter((o) => o.kind !== 'stop');
  const ownStops = own.filter((o) => o.kind === 'stop');
  syncLevelOrders(w, ownLimits, snapshot.orderLookups);
  adoptOrphanOrders(w, ownLimits);

  const pos = snapshot.position;
  if (pos?.qty.isNegative()) {
    raiseCondition(
      w,
      'critical',
      'unexpected_short',
      'the position is short; the Key Level Grid is long-only',
      {
        position: pos.qty.toFixed(),
      },
    );
  }
  const exchangeQty = pos?.qty.greaterThan(0) ? pos.qty : ZERO;
  const ledgerQty = w.s.holdings;
  const resynced = reconcilePosition(w, exchangeQty, pos?.entryPrice ?? ZERO, applied)
    ? [{ role: 'grid', from: ledgerQty, to: w.s.holdings }]
    : [];
  autoClearIfFlat(w);
  settleFlatten(w);
  // A changed quote amount applies once nothing is held in the old unit and no buy of its size rests.
  resizeGridUnit(w.s, config, snapshot.price, snapshot.rules, now, {
    rebuild: false,
    exchangeFlat: exchangeQty.isZero(),
    buyResting: w.s.levels.some((l) => l.order?.side === 'buy'),
  });

  applyRoles(w);
  consistencyGuard(w, snapshot.fills);

  // Protection first: stop (or protective close) before any grid order.
  checkStopAboveLiquidation(w);
  maintainStop(w, ownStops, {
    exchangeFlat: pos?.qty.isZero() === true,
    ...(exchangeQty.greaterThan(0) ? { exchangeQty } : {}),
  });

  cancelInvalidBuys(w);
  cancelGuardViolations(w);
  trimExcessSells(w);
  // After a close-all the position is being closed (by the closer, or at market): no take-profit sell
  // comes back to compete with it for the position.
  if (!w.s.flatten && !(w.s.paused && w.s.pauseReason === 'close-all')) {
    realignSells(w);
    placeMissingBuys(w);
  }

  w.s.lastReconAt = now;
  return { ...finish(w), applied: appliedFills(snapshot.fills, effects), stopsFound: w.stopsFound, resynced };
}

/** What the protection-only pass reads: price, open orders and the position (no trade history). */
export interface ProtectionSnapshot extends MarketFacts {
  readonly openOrders: readonly ExchangeOrder[];
  readonly position: Position | null;
}

/**
 * The protection-only pass (issue 13: "backoff may slow repairs, never protection"): while recon backs off
 * after rate limiting, each scheduled pass still makes sure the position the exchange reports is covered
 * by a stop (or closed when the trigger is behind the price). It reads no trade history, touches no grid
 * order (but the buys a protective close cancels) and never cancels or forgets a stop; the ledger is left
 * for the next full pass.
 */
export function planProtection(
  state: KlgState,
  snapshot: ProtectionSnapshot,
  config: KlgConfig,
  now: number,
): Decision<KlgState> & { readonly stopsFound: readonly StopState[] } {
  const w = startWork(state, config, snapshot, now);
  const ownStops = ownOpenOrders(state.instanceId, snapshot.openOrders).filter((o) => o.kind === 'stop');
  // Protect the larger of what the ledger and the exchange hold (a single read may be stale or empty);
  // the ledger itself catches up from trade history on the next full pass.
  const ledger = { holdings: w.s.holdings, avgEntry: w.s.avgEntry };
  const pos = snapshot.position;
  const held = pos?.qty.greaterThan(0) ? pos.qty : ZERO;
  if (held.greaterThan(w.s.holdings)) {
    w.s.holdings = held;
    if (!w.s.avgEntry.greaterThan(0)) w.s.avgEntry = pos?.entryPrice ?? ZERO;
  }
  settleFlatten(w);
  // Only ever add protection here: a stale order list must not drop or cancel a live stop.
  maintainStop(w, ownStops, { addOnly: true, ...(held.greaterThan(0) ? { exchangeQty: held } : {}) });
  w.s.holdings = ledger.holdings;
  w.s.avgEntry = ledger.avgEntry;
  return { ...finish(w), stopsFound: w.stopsFound };
}
