/**
 * Resets (SPEC §2 "Reset", seed FR-RESET) and operator controls. Each returns the new state first: the
 * shell persists it before carrying out any command ("every reset is persisted before anything else").
 *
 * Entry points:
 *  - `reverseReconcile(state, snapshot, config, now)`: cold start or corrupt state. Takes the exchange
 *    position as the truth at once and locks counters from the holdings (fill history first, then supports
 *    far-to-near). A fresh ledger (no fill cursor) does not apply the trade history it is given: those trades
 *    predate it; they only move the cursor past them and guide the counters. Run `planRecon` right after.
 *  - `resetCounters(state, now)`: clears every counter (operator command) so the levels may buy again. The
 *    position held at that moment counts as a locked base (`resetBaseQty`) until the position is next
 *    flat (it shrinks with sells), so the consistency guard does not re-lock the levels; sells go on as
 *    before (the sell target is unchanged).
 *  - `planRebuild(state, snapshot, config, levelPrices, now)`: manual rebuild. Syncs, cancels every order of
 *    the instance (buys and sells), installs the new levels as a new epoch, and with a position of N grid
 *    units locks the N nearest supports whole (`max_fill_per_level` each), so the `planRecon` that follows
 *    places buys from support N+1,
 *    sells by the waterfall and moves the stop. The stop itself is not cancelled here: recon replaces it if
 *    its trigger changes, so the position is never left without one for longer than a replace takes.
 *  - `planCloseAllOrders` then `planCloseAllPosition` (each on a fresh read of the exchange): operator
 *    close-all (pause, cancel ours, close the whole position at market; the stop stays until flat).
 *  - `pause` / `resume`.
 */

import { closeOrderId } from '../../client-order-id.js';
import type { Decision } from '../../commands.js';
import type { Decimal } from '../../money.js';
import { maxDec, ZERO } from '../../money.js';
import { alertEvent, raiseCondition } from './alerts.js';
import type { KlgConfig } from './config.js';
import { finish, nextSeq, type ReconSnapshot, startWork, toDraft, type Work } from './context.js';
import { clearCounters, gridUnits, lockCountersFromHoldings } from './counters.js';
import { autoClearIfFlat, pruneRecentTrades } from './fill-accounting.js';
import { resizeGridUnit } from './grid-unit.js';
import { cancelLevelOrder } from './order-actions.js';
import { applyRoles } from './polarity.js';
import { applyTradeHistory, ownOpenOrders, reconcilePosition } from './recon-sync.js';
import { buildLevels, type KlgState } from './state.js';
import { pushClose, settleFlatten } from './stop-loss.js';

function syncPositionNow(w: Work, snapshot: ReconSnapshot): void {
  applyTradeHistory(w, snapshot.fills);
  const pos = snapshot.position;
  const qty = pos?.qty.greaterThan(0) ? pos.qty : ZERO;
  reconcilePosition(w, qty, pos?.entryPrice ?? ZERO, 0, { immediately: true });
  autoClearIfFlat(w);
}

function markHistorySeen(w: Work, fills: ReconSnapshot['fills']): void {
  for (const f of fills) w.s.recentTrades.push({ id: f.tradeId, time: f.time });
  const last = fills[fills.length - 1];
  if (last) w.s.fillCursor = { time: last.time, tradeId: last.tradeId };
  pruneRecentTrades(w.s);
}

export function reverseReconcile(
  state: KlgState,
  snapshot: ReconSnapshot,
  config: KlgConfig,
  now: number,
): Decision<KlgState> {
  const w = startWork(state, config, snapshot, now);
  if (state.fillCursor === null) {
    // A fresh ledger: trade history from before it is history, not news. It tells which levels our grid
    // bought at, and moves the cursor past it; the exchange position says what is held.
    markHistorySeen(w, snapshot.fills);
    const pos = snapshot.position;
    reconcilePosition(w, pos?.qty.greaterThan(0) ? pos.qty : ZERO, pos?.entryPrice ?? ZERO, 0, {
      immediately: true,
    });
    autoClearIfFlat(w);
  } else {
    syncPositionNow(w, snapshot);
  }
  applyRoles(w);
  lockCountersFromHoldings(w, snapshot.fills);
  alertEvent(w, 'info', 'reverse_reconciliation', 'counters re-derived from the exchange position', {
    holdings: w.s.holdings.toFixed(),
    counters: String(w.s.levels.reduce((n, l) => n + l.fillCounter, 0)),
  });
  return finish(w);
}

export function resetCounters(state: KlgState, now: number): KlgState {
  const s = toDraft(state);
  for (const level of s.levels) level.fillCounter = 0;
  s.releasedQuotaRemainder = ZERO;
  // The position held now counts as a locked base until flat, so the consistency guard keeps the reset.
  s.resetBaseQty = maxDec(s.holdings, ZERO);
  s.updatedAt = now;
  return s as KlgState;
}

export function planRebuild(
  state: KlgState,
  snapshot: ReconSnapshot,
  config: KlgConfig,
  levelPrices: readonly Decimal[],
  now: number,
): Decision<KlgState> {
  const w = startWork(state, config, snapshot, now);
  syncPositionNow(w, snapshot);
  const { s } = w;
  // A new grid while nothing is held: a quote-sized unit is converted at today's price (its live buys are
  // all cancelled below).
  resizeGridUnit(s, config, snapshot.price, snapshot.rules, now, {
    rebuild: true,
    exchangeFlat: !snapshot.position?.qty.greaterThan(0),
    buyResting: false,
  });

  for (const o of ownOpenOrders(s.instanceId, snapshot.openOrders)) {
    if (o.kind === 'stop') continue;
    w.commands.push({
      kind: 'CancelOrder',
      instanceId: s.instanceId,
      account: config.account,
      symbol: config.symbol,
      clientOrderId: o.clientOrderId,
      level: null,
      reason: 'rebuild: cancel every grid order',
    });
  }

  s.levels = buildLevels(levelPrices, now);
  s.epoch += 1;
  s.epochStartSeq = s.nextSeq;
  s.anchorPrice = snapshot.price;
  s.lastRebuildAt = now;
  s.positionMismatch = null;
  applyRoles(w);
  clearCounters(w);

  // N+1 rule: with N grid units held, the N nearest supports count as bought — whole, whatever
  // `max_fill_per_level` is, so the first buy is at support N+1.
  s.resetBaseQty = ZERO;
  const full = config.max_fill_per_level;
  let n = gridUnits(w).floor().toNumber();
  const supportsNearFirst = s.levels.filter((l) => l.role === 'SUPPORT').reverse();
  for (const level of supportsNearFirst) {
    if (n <= 0) break;
    level.fillCounter = full;
    n -= 1;
  }
  for (const level of s.levels) {
    if (n <= 0) break;
    if (level.role === 'SUPPORT') continue;
    level.fillCounter = full;
    n -= 1;
  }
  if (n > 0) {
    raiseCondition(
      w,
      'warning',
      'holdings_exceed_grid',
      'holdings exceed what the new grid can account for',
      {
        holdings: s.holdings.toFixed(),
      },
    );
  }
  alertEvent(w, 'info', 'rebuild', `grid rebuilt on ${s.levels.length} levels (epoch ${s.epoch})`, {
    holdings: s.holdings.toFixed(),
  });
  return finish(w);
}

export function pause(state: KlgState, reason: string, now: number): KlgState {
  return { ...state, paused: true, pauseReason: reason, updatedAt: now };
}

/** Resuming also re-arms the one-per-episode alerts of what paused it (a later liquidation alerts again). */
export function resume(state: KlgState, now: number): KlgState {
  const rearmed = new Set(['liquidated', 'position_closed']);
  return {
    ...state,
    paused: false,
    pauseReason: null,
    activeAlerts: state.activeAlerts.filter((c) => !rearmed.has(c)),
    updatedAt: now,
  };
}

/**
 * Operator close-all, first step: pause opening and cancel every order of ours that is not a stop: those
 * the exchange lists and those the state holds live (placed since the exchange was read). The stop stays.
 */
export function planCloseAllOrders(
  state: KlgState,
  snapshot: ReconSnapshot,
  config: KlgConfig,
  now: number,
): Decision<KlgState> {
  const w = startWork(state, config, snapshot, now);
  const { s } = w;
  s.paused = true;
  s.pauseReason = 'close-all';
  const cancel = (clientOrderId: string) =>
    w.commands.push({
      kind: 'CancelOrder',
      instanceId: s.instanceId,
      account: config.account,
      symbol: config.symbol,
      clientOrderId,
      level: null,
      reason: 'close-all',
    });
  const listed = new Set<string>();
  for (const o of ownOpenOrders(s.instanceId, snapshot.openOrders)) {
    if (o.kind === 'stop') continue;
    listed.add(o.clientOrderId);
    const level = s.levels.find((l) => l.order?.clientOrderId === o.clientOrderId);
    if (level?.state === 'CANCELING') continue;
    if (level?.state === 'ACTIVE') cancelLevelOrder(w, level, 'close-all');
    else cancel(o.clientOrderId);
  }
  for (const level of s.levels) {
    if (!level.order || listed.has(level.order.clientOrderId)) continue;
    if (level.state === 'ACTIVE') cancelLevelOrder(w, level, 'close-all');
    else if (level.state === 'PLACING') cancel(level.order.clientOrderId);
  }
  return finish(w);
}

/**
 * Operator close-all, second step (after the cancels, on a fresh read of the exchange): sync the ledger,
 * and close the whole long position at market (reduce only, a protective close id, the flatten marker so
 * nothing sends a second close on its heels). A close marker that is uncertain or past its timeout is
 * dropped first, as recon would. The stop stays until the position is flat (recon removes it then): if the
 * close is refused, the position is still covered. A short on a one-way (BOTH) position is not ours to
 * close: it is alerted. The closer issue replaces the market close with a sliced one.
 */
export function planCloseAllPosition(
  state: KlgState,
  snapshot: ReconSnapshot,
  config: KlgConfig,
  now: number,
): Decision<KlgState> {
  const w = startWork(state, config, snapshot, now);
  syncPositionNow(w, snapshot);
  const { s } = w;
  s.paused = true;
  s.pauseReason = 'close-all';
  settleFlatten(w);
  const qty = snapshot.position?.qty ?? ZERO;
  let closing: Decimal = ZERO;
  if (qty.isNegative()) {
    alertEvent(
      w,
      'critical',
      'close_all_short',
      `close-all: the exchange holds a short of ${qty.abs().toFixed()} on ${config.symbol}; a grid never opens one: close it by hand`,
    );
  } else if (qty.greaterThan(0) && !s.flatten) {
    const clientOrderId = closeOrderId(s.instanceId, nextSeq(w));
    s.flatten = { clientOrderId, qty, since: now, uncertain: false };
    closing = qty;
    pushClose(w, clientOrderId, qty, 'operator close-all');
  }
  alertEvent(
    w,
    'critical',
    'close_all',
    `close-all: ${closing.greaterThan(0) ? `${closing.toFixed()} coins closing at market` : s.flatten ? 'a close is already in flight' : 'no long position to close'}; paused`,
  );
  return finish(w);
}
