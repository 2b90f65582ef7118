/**
 * The exchange-side stop loss (SPEC §2 "Stop loss"): a conditional order covering the whole position
 * (Binance hedge mode: STOP_MARKET, MARK_PRICE), so the position stays protected whatever happens to our
 * processes. Both tracks call `protectPosition` after the ledger changed: the event track on every fill
 * (the stop goes out with the opening fill's decision), recon on every pass.
 *
 * Entry points: `desiredStopTrigger`, `protectPosition`, `maintainStop` (recon: sync, then protect),
 * `cancelAllStops`, `flattenPosition`.
 *
 * Invariants:
 *  1. With holdings > 0 and the stop enabled, a decision ends with a stop at the desired trigger that
 *     covers the holdings live or in flight — unless the trigger is at or above the price: then the
 *     position is closed at once (reduce only, market), a critical alert goes out and the instance pauses.
 *  2. A replacement never leaves a window without a stop: the old stop is cancelled only once the
 *     exchange has confirmed the new one (`placed` cancels what it supersedes). Binance allows one `closePosition` stop per side (-4130), so the steady state is one
 *     closePosition stop (it covers any size, even fills made while we are down), a replacement at a new
 *     trigger is a quantity stop for the holdings, and a quantity stop is upgraded back to closePosition
 *     the same way (place, then cancel) by the next decision.
 *  3. With zero holdings no stop of ours stays live.
 */
import { closeOrderId, decodeClientOrderId, stopOrderId } from '../../client-order-id.js';
import type { Command } from '../../commands.js';
import type { Decimal } from '../../money.js';
import { minDec, ONE } from '../../money.js';
import type { ExchangeOrder } from '../../orders.js';
import { alertEvent, clearCondition, raiseOn } from './alerts.js';
import type { KlgConfig } from './config.js';
import { type LevelDraft, nextSeq, type StopDraft, toDraft, type Work, type WorkCore } from './context.js';
import { stopTriggerAt } from './margin-guard.js';
import { cancelLevelOrder } from './order-actions.js';
import type { KlgState } from './state.js';

export function desiredStopTrigger(w: Work): Decimal | null {
  const { s, config, market } = w;
  if (!s.holdings.greaterThan(0)) return null;
  return stopTriggerAt(config, s.levels[0]?.price, s.avgEntry, market.rules);
}

function isZombieStop(stop: StopDraft, w: Work): boolean {
  return stop.uncertain || w.now - stop.since >= w.config.order_action_timeout_sec * 1000;
}

function cancelStop(w: Work, stop: StopDraft, reason: string): void {
  stop.state = 'CANCELING';
  stop.since = w.now;
  stop.uncertain = false;
  w.commands.push({
    kind: 'CancelStop',
    instanceId: w.s.instanceId,
    account: w.config.account,
    symbol: w.config.symbol,
    clientOrderId: stop.clientOrderId,
    reason,
  });
}

export function placeStop(w: WorkCore, trigger: Decimal, closePosition: boolean, reason: string): void {
  const { config, s } = w;
  const clientOrderId = stopOrderId(s.instanceId, nextSeq(w));
  s.stops.push({
    clientOrderId,
    exchangeOrderId: null,
    triggerPrice: trigger,
    coveredQty: s.holdings,
    closePosition,
    state: 'PLACING',
    since: w.now,
    uncertain: false,
  });
  w.commands.push({
    kind: 'PlaceStop',
    instanceId: s.instanceId,
    reason,
    request: {
      type: 'stop_market',
      account: config.account,
      symbol: config.symbol,
      clientOrderId,
      side: 'sell',
      positionSide: config.position_side,
      triggerPrice: trigger,
      workingType: config.stop_loss.working_type,
      closePosition,
      ...(closePosition ? {} : { qty: s.holdings }),
    },
  });
}

/** Brings the tracked stops in line with what the exchange shows (ours only). */
function syncStops(w: Work, exchangeStops: readonly ExchangeOrder[], keepTracked = false): void {
  const { s } = w;
  const open = new Map(exchangeStops.map((o) => [o.clientOrderId, o]));
  const kept: StopDraft[] = [];
  for (const stop of s.stops) {
    const ex = open.get(stop.clientOrderId);
    open.delete(stop.clientOrderId);
    if (ex) {
      if (stop.state !== 'ACTIVE' && isZombieStop(stop, w)) {
        if (stop.state === 'PLACING') w.stopsFound.push(stop);
        stop.state = 'ACTIVE';
        stop.since = w.now;
        stop.uncertain = false;
      }
      stop.exchangeOrderId = ex.exchangeOrderId;
      kept.push(stop);
      continue;
    }
    if (keepTracked || (stop.state !== 'ACTIVE' && !isZombieStop(stop, w))) {
      kept.push(stop); // the other track is mid-call (or this pass only adds protection)
      continue;
    }
    if (stop.state === 'ACTIVE' && s.holdings.greaterThan(0)) {
      alertEvent(
        w,
        'warning',
        'stop_gone',
        'the stop-loss order is no longer on the exchange; re-placing it',
        { clientOrderId: stop.clientOrderId },
      );
    }
  }
  // Stops of ours the state does not know (a crashed pass placed them): adopt; extras are cancelled below.
  for (const ex of open.values()) {
    const adopted: StopDraft = {
      clientOrderId: ex.clientOrderId,
      exchangeOrderId: ex.exchangeOrderId,
      triggerPrice: ex.triggerPrice ?? ex.price ?? ONE.negated(),
      coveredQty: ex.closePosition ? s.holdings : ex.qty,
      closePosition: ex.closePosition === true,
      state: 'ACTIVE',
      since: w.now,
      uncertain: false,
    };
    kept.push(adopted);
    w.stopsFound.push(adopted);
    const decoded = decodeClientOrderId(ex.clientOrderId);
    if (decoded && decoded.seq >= s.nextSeq) s.nextSeq = decoded.seq + 1;
  }
  s.stops = kept;
}

function covers(stop: StopDraft, holdings: Decimal): boolean {
  return stop.closePosition || stop.coveredQty.greaterThanOrEqualTo(holdings);
}

/** How a decision may protect: what it knows of the exchange and what it may do. */
export interface ProtectOptions {
  /**
   * The exchange reported the position flat in this decision's snapshot (recon). Only then are stops
   * cancelled for a flat ledger: the event track's ledger can dip to zero while a missed buy is on its
   * way, and a closePosition stop left on a flat position does nothing.
   */
  readonly exchangeFlat?: boolean;
  /** Only add protection (the backed-off pass): never cancel a stop. */
  readonly addOnly?: boolean;
  /** Most the exchange holds (recon): a protective close never asks for more than this. */
  readonly exchangeQty?: Decimal;
}

/**
 * Makes sure the position is protected now (invariants 1–3). Called by both tracks after the ledger moved.
 * The trigger is compared with the mark price (the stop's own working price), not a last-price wick.
 */
export function protectPosition(w: Work, opts: ProtectOptions = {}): void {
  const { s, market } = w;
  const desired = desiredStopTrigger(w);
  if (!desired) {
    clearCondition(w, 'stop_unplaceable', 'no stop is needed any more');
    if (opts.addOnly) return;
    if (s.holdings.greaterThan(0)) cancelAllStops(w, 'stop loss disabled');
    else if (opts.exchangeFlat) cancelAllStops(w, 'position is flat');
    return;
  }
  if (s.flatten) return; // a protective close (or our stop) is executing
  const mark = market.markPrice ?? market.price;
  if (!desired.lessThan(mark)) {
    flattenPosition(
      w,
      `the stop trigger ${desired.toFixed()} is at or above the mark price ${mark.toFixed()}`,
      mark,
      opts.exchangeQty,
    );
    return;
  }
  const live = s.stops.filter((x) => x.state === 'ACTIVE' || x.state === 'PLACING');
  const good = live.find((x) => x.triggerPrice.equals(desired) && covers(x, s.holdings));
  // A closePosition stop still being cancelled counts too: the venue refuses a second one (-4130).
  const closePositionLive = s.stops.some((x) => x.closePosition);
  if (good) {
    if (good.state !== 'ACTIVE') return; // confirmation pending: cancel nothing yet
    // Upgrade a quantity stop to closePosition: the old one is cancelled once the new one is confirmed.
    if (!good.closePosition && !closePositionLive) {
      placeStop(w, desired, true, `protect ${s.holdings.toFixed()} coins (closePosition)`);
      return;
    }
    if (!opts.addOnly) cancelSuperseded(w, good);
    return;
  }
  // A stop in flight that is not the desired one: wait for its outcome before adding another.
  if (live.some((x) => x.state === 'PLACING')) return;
  placeStop(w, desired, !closePositionLive, `protect ${s.holdings.toFixed()} coins at ${desired.toFixed()}`);
}

/** Cancels every live stop but `keep` (once `keep` is confirmed on the exchange). */
export function cancelSuperseded(w: Work, keep: StopDraft): void {
  for (const stop of w.s.stops) {
    if (stop !== keep && stop.state === 'ACTIVE')
      cancelStop(w, stop, `superseded by the stop at ${keep.triggerPrice.toFixed()}`);
  }
}

export function maintainStop(
  w: Work,
  exchangeStops: readonly ExchangeOrder[],
  opts: ProtectOptions = {},
): void {
  syncStops(w, exchangeStops, opts.addOnly === true);
  protectPosition(w, opts);
}

export function cancelAllStops(w: Work, reason: string): void {
  for (const stop of w.s.stops) if (stop.state === 'ACTIVE') cancelStop(w, stop, reason);
}

/**
 * Closes the whole position now (market, reduce only), pauses the instance and cancels its buys: the
 * answer when protection cannot be placed. Idempotent while a close is in flight.
 */
export function flattenPosition(
  w: WorkCore,
  why: string,
  price: Decimal | null,
  exchangeQty?: Decimal,
): void {
  const { s } = w;
  if (s.flatten || !s.holdings.greaterThan(0)) return;
  // Never ask for more than the exchange holds: a hedge-mode close larger than the position is refused.
  const qty = exchangeQty ? minDec(exchangeQty, s.holdings) : s.holdings;
  if (!qty.greaterThan(0)) return;
  const clientOrderId = closeOrderId(s.instanceId, nextSeq(w));
  s.flatten = { clientOrderId, qty, since: w.now, uncertain: false };
  s.paused = true;
  s.pauseReason = `protective close: ${why}`;
  raiseOn(
    w,
    w.commands,
    'critical',
    'position_closed',
    `closing the position at once: ${why}; instance paused`,
    {
      holdings: s.holdings.toFixed(),
      ...(price ? { price: price.toFixed() } : {}),
    },
  );
  pushClose(w, clientOrderId, qty, why);
  cancelOpeningBuys(w, 'paused by a protective close');
}

/** The market close of `qty` held coins on the instance's position side (reduce only in one-way mode). */
export function pushClose(w: WorkCore, clientOrderId: string, qty: Decimal, why: string): void {
  const { s, config } = w;
  w.commands.push({
    kind: 'ClosePosition',
    instanceId: s.instanceId,
    reason: why,
    request: {
      type: 'market',
      account: config.account,
      symbol: config.symbol,
      clientOrderId,
      side: 'sell',
      positionSide: config.position_side,
      qty,
      ...(config.position_side === 'BOTH' ? { reduceOnly: true } : {}),
    },
  });
}

export function cancelOpeningBuys(w: WorkCore, reason: string): void {
  for (const level of w.s.levels as LevelDraft[]) {
    if (level.state === 'ACTIVE' && level.order?.side === 'buy') cancelLevelOrder(w, level, reason);
  }
}

/** Recon: a protective close that outlived its timeout without flattening is forgotten (and retried). */
export function settleFlatten(w: Work): void {
  const f = w.s.flatten;
  if (!f) return;
  if (!w.s.holdings.greaterThan(0)) {
    w.s.flatten = null;
    return;
  }
  if (f.uncertain || w.now - f.since >= w.config.order_action_timeout_sec * 1000) w.s.flatten = null;
}

/**
 * A protective close the venue refused as larger than the position (the ledger is ahead of the exchange):
 * the shell reads the position and this closes what the exchange reports.
 */
export function closeWhatIsHeld(
  state: KlgState,
  exchangeQty: Decimal,
  config: KlgConfig,
  now: number,
): { state: KlgState; commands: Command[] } {
  const w: WorkCore = { s: toDraft(state), commands: [], config, now };
  if (exchangeQty.greaterThan(0))
    flattenPosition(w, 'the exchange holds less than the ledger: closing what it reports', null, exchangeQty);
  w.s.updatedAt = now;
  return { state: w.s as KlgState, commands: w.commands };
}
