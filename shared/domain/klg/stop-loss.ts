/**
 * The exchange-side stop loss (SPEC §2 "Stop loss"): one conditional order covering the whole position
 * (Binance hedge mode: STOP_MARKET, closePosition, MARK_PRICE), so the position stays protected whatever
 * happens to our processes.
 *
 * Entry points: `desiredStopTrigger`, `maintainStop` (recon), `cancelAllStops`.
 * Invariants:
 *  1. With holdings > 0 and the stop enabled, recon ends with exactly one stop live or in flight at the
 *     desired trigger, unless that trigger is at or above the price (then a critical alert, nothing placed).
 *  2. With zero holdings no stop of ours stays live.
 *  3. A replacement cancels the old stop before placing the new one (Binance refuses a second
 *     closePosition stop on the same side, -4130).
 */
import { decodeClientOrderId, stopOrderId } from '../client-order-id.js';
import { type Decimal, floorTo, ONE } from '../money.js';
import type { ExchangeOrder } from '../orders.js';
import { alertEvent, clearCondition, raiseCondition } from './alerts.js';
import { nextSeq, type StopDraft, type Work } from './context.js';

export function desiredStopTrigger(w: Work): Decimal | null {
  const { s, config, market } = w;
  const sl = config.stop_loss;
  if (!sl.enabled || !s.holdings.greaterThan(0)) return null;
  const lowest = s.levels[0]?.price;
  const raw =
    sl.mode === 'lowest_support' && lowest
      ? lowest.times(ONE.minus(sl.lowest_support_offset_pct))
      : s.avgEntry.times(ONE.minus(sl.avg_entry_pct));
  const trigger = floorTo(raw, market.rules.tickSize);
  return trigger.greaterThan(0) ? trigger : null;
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

function placeStop(w: Work, trigger: Decimal, reason: string): void {
  const { config, s } = w;
  const clientOrderId = stopOrderId(s.instanceId, nextSeq(w));
  s.stops.push({
    clientOrderId,
    exchangeOrderId: null,
    triggerPrice: trigger,
    coveredQty: s.holdings,
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
      closePosition: true,
    },
  });
}

/** Brings the tracked stops in line with what the exchange shows (ours only). */
function syncStops(w: Work, exchangeStops: readonly ExchangeOrder[]): void {
  const { s } = w;
  const open = new Map(exchangeStops.map((o) => [o.clientOrderId, o]));
  const kept: StopDraft[] = [];
  for (const stop of s.stops) {
    const ex = open.get(stop.clientOrderId);
    open.delete(stop.clientOrderId);
    if (ex) {
      if (stop.state !== 'ACTIVE' && isZombieStop(stop, w)) {
        stop.state = 'ACTIVE';
        stop.since = w.now;
        stop.uncertain = false;
      }
      stop.exchangeOrderId = ex.exchangeOrderId;
      kept.push(stop);
      continue;
    }
    if (stop.state !== 'ACTIVE' && !isZombieStop(stop, w)) {
      kept.push(stop); // the other track is mid-call
      continue;
    }
    if (stop.state === 'ACTIVE' && s.holdings.greaterThan(0)) {
      alertEvent(
        w,
        'warning',
        'stop_gone',
        'the stop-loss order is no longer on the exchange; re-placing it',
        {
          clientOrderId: stop.clientOrderId,
        },
      );
    }
  }
  // Stops of ours the state does not know (a crashed pass placed them): adopt; extras are cancelled below.
  for (const ex of open.values()) {
    kept.push({
      clientOrderId: ex.clientOrderId,
      exchangeOrderId: ex.exchangeOrderId,
      triggerPrice: ex.triggerPrice ?? ex.price ?? ONE.negated(),
      coveredQty: s.holdings,
      state: 'ACTIVE',
      since: w.now,
      uncertain: false,
    });
    const decoded = decodeClientOrderId(ex.clientOrderId);
    if (decoded && decoded.seq >= s.nextSeq) s.nextSeq = decoded.seq + 1;
  }
  s.stops = kept;
}

export function maintainStop(w: Work, exchangeStops: readonly ExchangeOrder[]): void {
  syncStops(w, exchangeStops);
  const { s, market } = w;
  const desired = desiredStopTrigger(w);
  if (!desired) {
    clearCondition(w, 'stop_unplaceable', 'no stop is needed any more');
    cancelAllStops(w, s.holdings.greaterThan(0) ? 'stop loss disabled' : 'position is flat');
    return;
  }
  const inFlight = s.stops.filter((x) => x.state === 'PLACING');
  const keep = s.stops.find(
    (x) => (x.state === 'ACTIVE' || x.state === 'PLACING') && x.triggerPrice.equals(desired),
  );
  for (const stop of s.stops) {
    if (stop !== keep && stop.state === 'ACTIVE')
      cancelStop(w, stop, `replace stop with trigger ${desired.toFixed()}`);
  }
  if (keep) {
    clearCondition(w, 'stop_unplaceable', 'the stop loss is in place');
    return;
  }
  if (inFlight.length > 0) return; // wait for the call in flight before placing another
  if (!desired.lessThan(market.price)) {
    raiseCondition(
      w,
      'critical',
      'stop_unplaceable',
      'the stop-loss trigger is at or above the price: the position is unprotected',
      { trigger: desired.toFixed(), price: market.price.toFixed(), holdings: s.holdings.toFixed() },
    );
    return;
  }
  clearCondition(w, 'stop_unplaceable', 'the stop loss is in place');
  placeStop(w, desired, `protect ${s.holdings.toFixed()} coins`);
}

export function cancelAllStops(w: Work, reason: string): void {
  for (const stop of w.s.stops) if (stop.state === 'ACTIVE') cancelStop(w, stop, reason);
}
