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
import type { Alert, Decision, OrderCommand } from '../commands.js';
import type { KlgConfig } from '../config/klg-config.js';
import { countPartialBuy, type Draft, type LevelDraft, type StopDraft, toDraft } from './context.js';
import type { KlgState } from './state.js';

export interface Rejection {
  readonly reason: string;
  readonly code?: string | undefined;
  readonly message: string;
}

export type CommandOutcome =
  | { readonly kind: 'placed'; readonly exchangeOrderId?: string | undefined }
  | ({ readonly kind: 'rejected' } & Rejection)
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'timedOut' };

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
  const alerts: Alert[] = [];
  const alert = (severity: Alert['severity'], code: string, message: string) =>
    alerts.push({
      kind: 'Alert',
      instanceId: s.instanceId,
      severity,
      code,
      message,
      data: { clientOrderId, reason: why.reason, code: why.code ?? '', exchangeMessage: why.message },
    });

  if (level?.order) {
    const o = level.order;
    if (why.reason === 'duplicate_client_id' || (why.reason === 'unknown_order' && o.pending === 'cancel')) {
      o.uncertain = true;
    } else if (o.pending === 'place') {
      level.order = null;
      touch(level, 'IDLE', now);
      if (why.reason === 'insufficient_margin')
        alert('warning', 'insufficient_margin', 'an order was refused for margin');
      else if (why.reason !== 'post_only_would_take')
        alert('warning', 'order_rejected', 'the exchange refused an order');
    } else {
      o.pending = null;
      o.uncertain = true;
      touch(level, 'ACTIVE', now);
    }
    return { state: done(s, now, true, state), commands: alerts };
  }
  if (stop) {
    if (why.reason === 'duplicate_client_id') stop.uncertain = true;
    else if (stop.state === 'PLACING') {
      s.stops = s.stops.filter((x) => x !== stop);
      alert(
        'critical',
        'stop_rejected',
        'the exchange refused the stop-loss order: the position may be unprotected',
      );
    } else if (stop.state === 'CANCELING') {
      if (why.reason === 'unknown_order') s.stops = s.stops.filter((x) => x !== stop);
      else {
        stop.state = 'ACTIVE';
        stop.since = now;
      }
    }
    return { state: done(s, now, true, state), commands: alerts };
  }
  return { state, commands: [] };
}

export function cancelled(state: KlgState, clientOrderId: string, config: KlgConfig, now: number): KlgState {
  const s = toDraft(state);
  const { level, stop } = locate(s, clientOrderId);
  if (level?.order && level.state === 'CANCELING') {
    if (level.order.side === 'buy') countPartialBuy(level, level.order.filledQty, config);
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
  return state;
}

/** Applies the outcome of `command` (as returned by an engine decision) to the state. */
export function applyOutcome(
  state: KlgState,
  command: OrderCommand,
  outcome: CommandOutcome,
  config: KlgConfig,
  now: number,
): Decision<KlgState> {
  const id =
    command.kind === 'PlaceOrder' || command.kind === 'PlaceStop'
      ? command.request.clientOrderId
      : command.clientOrderId;
  switch (outcome.kind) {
    case 'placed':
      return { state: placed(state, id, outcome.exchangeOrderId ?? null, now), commands: [] };
    case 'rejected':
      return rejected(state, id, outcome, now);
    case 'cancelled':
      return { state: cancelled(state, id, config, now), commands: [] };
    case 'timedOut':
      return { state: timedOut(state, id, now), commands: [] };
  }
}
