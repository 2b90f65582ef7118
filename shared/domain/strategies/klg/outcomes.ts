/**
 * Transitions for command outcomes: what the shell reports back after carrying out a command.
 *
 * Entry points: `placed`, `rejected`, `cancelled`, `timedOut`, and `applyOutcome` (dispatch by command).
 *  - `placed`: PLACING → ACTIVE (a new order or an amend the exchange acknowledged).
 *  - `rejected`: a refused new order → IDLE (recon may retry); a refused amend → ACTIVE, marked uncertain
 *    so recon refreshes it from the exchange; a refused cancel of an order the exchange no longer knows →
 *    stays CANCELING, uncertain, for recon to settle by its fate; a duplicate client id means an earlier
 *    attempt got through → stays PLACING, uncertain, for recon to adopt.
 *  - `cancelled`: CANCELING → IDLE (a partially filled buy locks its level).
 *  - `timedOut`: the outcome is unknown (timeout, 5xx): the level stays locked, marked uncertain; recon
 *    settles it by client order id on its next pass. Never resend blindly.
 * Outcomes for orders the state no longer tracks (the other track moved on) change nothing.
 */
import {
  type Command,
  type CommandOutcome,
  clientIdOf,
  type Decision,
  type OrderCommand,
  type Rejection,
} from '../../commands.js';
import { clearOn, raiseOn } from './alerts.js';
import type { KlgConfig } from './config.js';
import { countPartialBuy, type Draft, type LevelDraft, type StopDraft, toDraft } from './context.js';
import type { KlgState } from './state.js';
import { flattenPosition, placeStop } from './stop-loss.js';

/** Refusals that mean nothing reached the exchange (set by the shell: network, rate limit, batch stopped). */
const NOTHING_SENT = new Set(['network', 'not_sent']);

export type { CommandOutcome, Rejection } from '../../commands.js';

function locate(s: Draft, clientOrderId: string): { level?: LevelDraft; stop?: StopDraft } {
  const level = s.levels.find((l) => l.order?.clientOrderId === clientOrderId);
  if (level) return { level };
  const stop = s.stops.find((x) => x.clientOrderId === clientOrderId);
  return stop ? { stop } : {};
}

function touch(level: LevelDraft, state: LevelDraft['state'], now: number): void {
  if (level.state !== state) {
    level.state = state;
    level.stateSince = now;
  }
}

function done(s: Draft, now: number, changed: boolean, original: KlgState): KlgState {
  if (!changed) return original;
  s.updatedAt = now;
  return s as KlgState;
}

export function placed(
  state: KlgState,
  clientOrderId: string,
  exchangeOrderId: string | null,
  now: number,
): KlgState {
  const s = toDraft(state);
  const { level, stop } = locate(s, clientOrderId);
  if (level?.order && level.state === 'PLACING') {
    level.order.pending = null;
    level.order.uncertain = false;
    if (exchangeOrderId) level.order.exchangeOrderId = exchangeOrderId;
    touch(level, 'ACTIVE', now);
    return done(s, now, true, state);
  }
  if (s.flatten?.clientOrderId === clientOrderId) return state; // its fill settles it
  if (stop && stop.state === 'PLACING') {
    stop.state = 'ACTIVE';
    stop.since = now;
    stop.uncertain = false;
    if (exchangeOrderId) stop.exchangeOrderId = exchangeOrderId;
    return done(s, now, true, state);
  }
  return state;
}

export function rejected(
  state: KlgState,
  clientOrderId: string,
  why: Rejection,
  now: number,
): Decision<KlgState> {
  const s = toDraft(state);
  const { level, stop } = locate(s, clientOrderId);
  const commands: Command[] = [];
  const t = { s };
  const data = { clientOrderId, reason: why.reason, code: why.code ?? '', exchangeMessage: why.message };

  if (level?.order) {
    const o = level.order;
    if (why.reason === 'duplicate_client_id' || (why.reason === 'unknown_order' && o.pending === 'cancel')) {
      o.uncertain = true;
    } else if (o.pending === 'place') {
      level.order = null;
      touch(level, 'IDLE', now);
      // Persistent refusals alert once (and once when they clear), never once per order per pass.
      if (why.reason === 'insufficient_margin')
        raiseOn(t, commands, 'warning', 'insufficient_margin', 'orders are being refused for margin', data);
      // A pre-trade denial has the shell's own alert, one per check (`pre_trade_<check>`), for every strategy.
      else if (why.reason !== 'post_only_would_take' && why.reason !== 'pre_trade')
        raiseOn(
          t,
          commands,
          'warning',
          `order_rejected_${o.side}`,
          `the exchange refuses ${o.side} orders`,
          data,
        );
    } else {
      o.pending = null;
      o.uncertain = true;
      touch(level, 'ACTIVE', now);
    }
    return { state: done(s, now, true, state), commands };
  }
  if (stop) {
    if (why.reason === 'duplicate_client_id') stop.uncertain = true;
    else if (stop.state === 'PLACING') {
      s.stops = s.stops.filter((x) => x !== stop);
      // Nothing reached the exchange: `applyOutcome` sends it again at once, no alarm needed.
      // stop_exists (-4130): a closePosition stop is already there and covers; recon adopts it.
      if (why.reason !== 'would_trigger' && why.reason !== 'stop_exists' && !NOTHING_SENT.has(why.reason)) {
        raiseOn(
          t,
          commands,
          'critical',
          'stop_rejected',
          'the exchange refused the stop-loss order: the position may be unprotected',
          data,
        );
      }
      // would_trigger: the price is already through the trigger; the follow-up decision closes the position.
    } else if (stop.state === 'CANCELING') {
      if (why.reason === 'unknown_order') s.stops = s.stops.filter((x) => x !== stop);
      else {
        stop.state = 'ACTIVE';
        stop.since = now;
      }
    }
    return { state: done(s, now, true, state), commands };
  }
  if (s.flatten?.clientOrderId === clientOrderId) {
    s.flatten = null;
    // The position is smaller than the close (the stop fired first, or the ledger is ahead): the next
    // decision closes what the exchange reports. Nothing sent: `applyOutcome` sends it again at once.
    if (why.reason === 'reduce_only_rejected' || NOTHING_SENT.has(why.reason))
      return { state: done(s, now, true, state), commands };
    raiseOn(
      t,
      commands,
      'critical',
      'close_failed',
      'the exchange refused the protective close; every decision tries again',
      data,
    );
    return { state: done(s, now, true, state), commands };
  }
  return { state, commands: [] };
}

export function cancelled(state: KlgState, clientOrderId: string, config: KlgConfig, now: number): KlgState {
  const s = toDraft(state);
  const { level, stop } = locate(s, clientOrderId);
  if (level?.order && level.state === 'CANCELING') {
    if (level.order.side === 'buy') countPartialBuy(level, level.order.filledQty, config, s);
    level.order = null;
    touch(level, 'IDLE', now);
    return done(s, now, true, state);
  }
  if (stop && stop.state === 'CANCELING') {
    s.stops = s.stops.filter((x) => x !== stop);
    return done(s, now, true, state);
  }
  return state;
}

export function timedOut(state: KlgState, clientOrderId: string, now: number): KlgState {
  const s = toDraft(state);
  const { level, stop } = locate(s, clientOrderId);
  if (level?.order && (level.state === 'PLACING' || level.state === 'CANCELING')) {
    level.order.uncertain = true;
    return done(s, now, true, state);
  }
  if (stop && stop.state !== 'ACTIVE') {
    stop.uncertain = true;
    return done(s, now, true, state);
  }
  if (s.flatten?.clientOrderId === clientOrderId) {
    s.flatten = { ...s.flatten, uncertain: true };
    return done(s, now, true, state);
  }
  return state;
}

/**
 * Applies the outcome of `command` (as returned by an engine decision) to the state. Its commands may hold
 * follow-up orders besides alerts: a confirmed stop that covers the holdings cancels the stops it
 * supersedes (place first, cancel after: never a window without one).
 */
export function applyOutcome(
  state: KlgState,
  command: OrderCommand,
  outcome: CommandOutcome,
  config: KlgConfig,
  now: number,
): Decision<KlgState> {
  const id = clientIdOf(command);
  switch (outcome.kind) {
    case 'placed': {
      const next = placed(state, id, outcome.exchangeOrderId ?? null, now);
      const commands: Command[] = [];
      const s = toDraft(next);
      if (command.kind === 'PlaceOrder') {
        const side = command.request.side;
        clearOn({ s }, commands, `order_rejected_${side}`, `${side} orders are accepted again`);
        if (side === 'buy') clearOn({ s }, commands, 'insufficient_margin', 'orders fit the margin again');
      }
      if (command.kind === 'PlaceStop') {
        clearOn({ s }, commands, 'stop_rejected', 'a stop loss is in place again');
        const stop = s.stops.find((x) => x.clientOrderId === id);
        if (
          stop?.state === 'ACTIVE' &&
          (stop.closePosition || stop.coveredQty.greaterThanOrEqualTo(s.holdings))
        ) {
          for (const other of s.stops) {
            if (other === stop || other.state !== 'ACTIVE') continue;
            other.state = 'CANCELING';
            other.since = now;
            other.uncertain = false;
            commands.push({
              kind: 'CancelStop',
              instanceId: s.instanceId,
              account: config.account,
              symbol: config.symbol,
              clientOrderId: other.clientOrderId,
              reason: `superseded by stop ${id}`,
            });
          }
        }
      }
      if (commands.length === 0) return { state: next, commands };
      s.updatedAt = now;
      return { state: s as KlgState, commands };
    }
    case 'rejected': {
      const d = rejected(state, id, outcome, now);
      const protective = command.kind === 'PlaceStop' || command.kind === 'ClosePosition';
      const resend = protective && NOTHING_SENT.has(outcome.reason);
      const breached = command.kind === 'PlaceStop' && outcome.reason === 'would_trigger';
      if (!resend && !breached) return d;
      const w = { s: toDraft(d.state), commands: [...d.commands], config, now };
      if (command.kind === 'PlaceStop' && resend && w.s.holdings.greaterThan(0)) {
        // Protection that never left is sent again now (a new id), not a pass later.
        const r = command.request;
        placeStop(w, r.triggerPrice, r.closePosition, `resend: ${outcome.reason}`);
      } else if (command.kind === 'PlaceStop') {
        // The price is already through the trigger: close the position now rather than leave it bare.
        flattenPosition(
          w,
          `the stop at ${command.request.triggerPrice.toFixed()} would trigger at once`,
          null,
        );
      } else {
        flattenPosition(w, `resend: ${outcome.reason}`, null);
      }
      w.s.updatedAt = now;
      return { state: w.s as KlgState, commands: w.commands };
    }
    case 'cancelled':
      return { state: cancelled(state, id, config, now), commands: [] };
    case 'timedOut':
      return { state: timedOut(state, id, now), commands: [] };
  }
}
