/**
 * The reduce-only closer as a strategy (`strategy: closer`, SPEC §4): the engine (`engine.ts`) run per
 * symbol + position side behind the strategy seam. One leg per symbol of `symbols` and side of `sides`,
 * role `<symbol>#<side>`.
 *
 *  - The stream worker hands it book top, trades and mark price (with the tape it keeps) and wakes it every
 *    `WAKE_MS` (TTLs run out on a silent market too); each decision is the engine's step on the leg, turned
 *    into order commands: a slice is a limit order on the position side (GTX maker or GTC at the touch),
 *    never `reduceOnly` with a position side (Binance hedge mode refuses it: safety comes from the side
 *    and `qty ≤ position`); its client id carries the worker's run (`sliceOrderId`).
 *  - Fills count the position down at once (ours, a stop's, a hand trade's); recon reads the position
 *    (quantity, entry, leverage, liquidation) from the exchange on every pass and adopts it.
 *  - The protective stop (`STOP_MARKET closePosition`, MARK_PRICE) is kept by both tracks: the worker on
 *    market data, recon on every pass (so it stands when the worker is down). Its client id has a stable
 *    prefix per side (`protectiveStopOrderId`): recon adopts one it finds, keeps the tightest, cancels the
 *    rest of ours. Tightening cancels the old stop first (Binance allows one closePosition stop per side).
 *  - Soft rate limits (`rate_limit`) hold back slices and cancels beyond so many a second; risk orders
 *    (panic tiers, forced aggressive) are never held back.
 *  - Recon cancels a slice of ours it finds live but does not track (a crashed run's), and settles a
 *    tracked one the exchange no longer lists by looking it up.
 */
import {
  closeOrderId,
  decodeClientOrderId,
  protectiveStopOrderId,
  sliceOrderId,
} from '../../client-order-id.js';
import {
  type CloseIntent,
  type CloseSide,
  closingSideOf,
  emergencyTier,
  onFill as engineFill,
  onMarket as engineMarket,
  keepStop,
  onCancelled,
  onPlaced,
  onRejected,
  type SideExec,
  type SidePosition,
  type Step,
  sidePositionOf,
  sliceCommand,
} from '../../closer/engine.js';
import type { Command, OrderCommand } from '../../commands.js';
import { reconcileLegStop } from '../../guards/protective-stop.js';
import { marketView } from '../../market-tape.js';
import { type Decimal, ZERO } from '../../money.js';
import type { ExchangeOrder, Fill, Position } from '../../orders.js';
import { unjournaledFillOf } from '../../stored-instance.js';
import type {
  FoundStop,
  Leg,
  LegProtectionSnapshot,
  LegSnapshot,
  SimOpening,
  StrategyModule,
  StrategyReconDecision,
} from '../../strategy.js';
import { freshEnvelope } from '../../strategy.js';
import type { SymbolRules } from '../../symbol-rules.js';
import { CLOSER, type CloserConfig, closerConfigSchema, paramsFor } from './config.js';
import {
  type CloserLeg,
  type CloserState,
  closerSlots,
  closerStateToJson,
  initialLeg,
  parseCloserState,
} from './state.js';

const STOP_REFUSED = 'protective_stop_rejected';
/** How often the worker wakes each leg without market data (ms). */
export const WAKE_MS = 250;
/** Trade ids kept per leg for dedupe. */
const RECENT_TRADES = 200;

export function roleOf(symbol: string, side: CloseSide): string {
  return `${symbol}#${side}`;
}

function legs(config: CloserConfig): readonly Leg[] {
  return Object.keys(config.symbols).flatMap((symbol) =>
    config.sides.map((side) => ({
      role: roleOf(symbol, side),
      account: config.account,
      symbol,
      positionSide: side,
    })),
  );
}

export function initialCloserState(config: CloserConfig, now: number): CloserState {
  return {
    ...freshEnvelope(CLOSER, config.id, now),
    nextSeq: 1,
    legs: Object.fromEntries(legs(config).map((l) => [l.role, initialLeg(l.positionSide as CloseSide, now)])),
    sent: [],
    cancels: [],
    urgency: 'normal',
  };
}

function legOf(s: CloserState, leg: Leg): CloserLeg {
  const l = s.legs[leg.role];
  if (!l) throw new Error(`closer ${s.instanceId} has no leg ${leg.role}`);
  return l;
}

function withLeg(s: CloserState, role: string, l: CloserLeg): CloserState {
  return { ...s, legs: { ...s.legs, [role]: l } };
}

const signed = (side: CloseSide, qty: Decimal) => (side === 'LONG' ? qty : qty.negated());

// --- fills -------------------------------------------------------------------------------------------

function isApplied(l: CloserLeg, fill: Fill): boolean {
  if (l.trades.some((t) => t.id === fill.tradeId)) return true;
  return l.cursor !== null && fill.time < l.cursor.time;
}

/**
 * A fill on the leg: ours (a slice, the protective stop, a flatten close) or anyone's (a hand trade, a
 * liquidation) moves the position the same way; a slice's also moves the engine. Null: already applied.
 */
function applyFill(
  s: CloserState,
  leg: Leg,
  fill: Fill,
  config: CloserConfig,
  now: number,
): { state: CloserState; alerts: Command[] } | null {
  const l = legOf(s, leg);
  if (isApplied(l, fill)) return null;
  const side = l.exec.side;
  const reduces = fill.side === closingSideOf(side);
  // A trade from before recon began reading the position is in the position it read: counted once.
  const counted = l.positionAt !== null && fill.time < l.positionAt;
  const qty = counted
    ? l.position.qty
    : reduces
      ? l.position.qty.minus(fill.qty).isNegative()
        ? ZERO
        : l.position.qty.minus(fill.qty)
      : l.position.qty.plus(fill.qty);
  const decoded = decodeClientOrderId(fill.clientOrderId);
  const ours = decoded?.instanceId === s.instanceId;
  let exec = l.exec;
  if (ours && decoded?.kind === 'slice')
    exec = engineFill(exec, paramsFor(config, leg.symbol), fill.clientOrderId, fill.qty, now);
  const alerts: Command[] = [];
  let stopId = l.stopId;
  if (ours && decoded?.kind === 'protective_stop') {
    alerts.push({
      kind: 'Alert',
      instanceId: s.instanceId,
      severity: 'critical',
      code: 'protective_stop_triggered',
      message: `the protective stop closed ${fill.qty.toFixed()} of the ${leg.symbol} ${side} position at ${fill.price.toFixed()} (near liquidation)`,
      data: { symbol: leg.symbol, side },
    });
    if (qty.isZero()) {
      stopId = null;
      exec = { ...exec, stopTrigger: null };
    }
  }
  let stats = l.stats;
  if (reduces && ours) {
    const entry = l.position.entry;
    const pnl = entry.greaterThan(0)
      ? side === 'LONG'
        ? fill.price.minus(entry).times(fill.qty)
        : entry.minus(fill.price).times(fill.qty)
      : ZERO;
    stats = {
      ...stats,
      closed: stats.closed.plus(fill.qty),
      proceeds: stats.proceeds.plus(fill.price.times(fill.qty)),
      fees: stats.fees.plus(fill.fee),
      makerQty: fill.isMaker ? stats.makerQty.plus(fill.qty) : stats.makerQty,
      realized: stats.realized.plus(pnl),
    };
  }
  if (qty.isZero() && l.position.qty.greaterThan(0)) stats = { ...stats, flatAt: fill.time };
  else if (qty.greaterThan(0) && stats.flatAt !== null) stats = { ...stats, flatAt: null };
  const next: CloserLeg = {
    ...l,
    exec,
    stopId,
    position: { ...l.position, qty },
    stats,
    trades: [...l.trades, { id: fill.tradeId, time: fill.time }].slice(-RECENT_TRADES),
  };
  const line = unjournaledFillOf(fill, {
    // The instance's net holdings after it (every leg), as every strategy's journal states them.
    holdingsAfter: netHoldings(withLeg(s, leg.role, { ...l, position: { ...l.position, qty } })),
    avgEntryAfter: l.position.entry,
    role: ours ? `closer_${decoded?.kind ?? 'order'}` : 'external',
  });
  const state = withLeg(s, leg.role, next);
  return { state: { ...state, unjournaled: [...state.unjournaled, line] }, alerts };
}

function netHoldings(s: CloserState): Decimal {
  let net = ZERO;
  for (const l of Object.values(s.legs)) net = net.plus(signed(l.exec.side, l.position.qty));
  return net;
}

// --- decisions ---------------------------------------------------------------------------------------

interface Turned {
  readonly state: CloserState;
  readonly commands: Command[];
}

/** After the venue refused the protective stop, it is tried again this much later (not on every tick). */
const STOP_RETRY_MS = 5_000;

/** A step's intents as order commands; the leg's state (its stop id, the sequence) follows. */
function toCommands(s: CloserState, leg: Leg, step0: Step, now: number): Turned {
  const before = legOf(s, leg);
  const holdStop = before.stopRefusedAt !== null && now - before.stopRefusedAt < STOP_RETRY_MS;
  const step: Step = holdStop
    ? {
        exec: { ...step0.exec, stopTrigger: before.exec.stopTrigger },
        intents: step0.intents.filter((i) => i.kind !== 'stop'),
      }
    : step0;
  let state = s;
  let l: CloserLeg = { ...before, exec: step.exec };
  const commands: Command[] = [];
  for (const i of step.intents) commands.push(...intentCommands(i));
  function intentCommands(i: CloseIntent): OrderCommand[] {
    switch (i.kind) {
      case 'place':
        l = { ...l, stats: { ...l.stats, slices: l.stats.slices + 1 } };
        state = {
          ...state,
          nextSeq: state.nextSeq + 1,
          sent: i.risk ? state.sent : [...state.sent, now],
        };
        return [sliceCommand(s.instanceId, leg, i, 'closer ')!];
      case 'cancel':
        if (!i.risk) state = { ...state, cancels: [...state.cancels, now] };
        return [sliceCommand(s.instanceId, leg, i, 'closer ')!];
      case 'stop': {
        const out: OrderCommand[] = [];
        // One closePosition stop per side: the old one goes first.
        if (l.stopId) out.push(cancelStop(s, leg, l.stopId, 'tightened'));
        const id = protectiveStopOrderId(s.instanceId, leg.positionSide as CloseSide, state.nextSeq);
        state = { ...state, nextSeq: state.nextSeq + 1 };
        l = { ...l, stopId: id };
        out.push({
          kind: 'PlaceStop',
          instanceId: s.instanceId,
          reason: `closer ${i.reason}`,
          request: {
            type: 'stop_market',
            account: leg.account,
            symbol: leg.symbol,
            clientOrderId: id,
            side: closingSideOf(l.exec.side),
            positionSide: leg.positionSide,
            triggerPrice: i.triggerPrice,
            workingType: 'MARK_PRICE',
            closePosition: true,
          },
        });
        return out;
      }
      case 'cancel_stop': {
        const id = l.stopId;
        l = { ...l, stopId: null };
        return id ? [cancelStop(s, leg, id, i.reason)] : [];
      }
    }
  }
  return { state: withLeg(state, leg.role, l), commands };
}

function cancelStop(s: CloserState, leg: Leg, id: string, reason: string): OrderCommand {
  return {
    kind: 'CancelStop',
    instanceId: s.instanceId,
    account: leg.account,
    symbol: leg.symbol,
    clientOrderId: id,
    reason: `closer: ${reason}`,
  };
}

/** `e`, or `was` itself when `e` holds the same fields (so an unchanged step writes nothing). */
function sameExec(e: SideExec, was: SideExec): SideExec {
  for (const k of Object.keys(e) as (keyof SideExec)[]) if (e[k] !== was[k]) return e;
  return was;
}

/** Drops what left the one-second rate window. */
function windowed(s: CloserState, now: number): CloserState {
  const keep = (a: readonly number[]) => a.filter((t) => now - t < 1_000);
  const sent = keep(s.sent);
  const cancels = keep(s.cancels);
  return sent.length === s.sent.length && cancels.length === s.cancels.length ? s : { ...s, sent, cancels };
}

/** The step on market data, held to the soft rate limits (risk orders never are; the stop always goes). */
function marketStep(
  s: CloserState,
  leg: Leg,
  l: CloserLeg,
  config: CloserConfig,
  rules: SymbolRules,
  view: ReturnType<typeof marketView>,
  now: number,
  run: string,
): Step {
  const p = paramsFor(config, leg.symbol);
  const id = sliceOrderId(s.instanceId, run, s.nextSeq);
  const urgent = s.urgency === 'emergency' ? emergencyTier(p, l.stats.startQty, l.position.qty) : null;
  const step = engineMarket(l.exec, p, rules, l.position, view, now, id, urgent);
  const limited = step.intents.some(
    (i) =>
      (i.kind === 'place' && !i.risk && s.sent.length >= config.rate_limit.max_orders_per_sec) ||
      (i.kind === 'cancel' && !i.risk && s.cancels.length >= config.rate_limit.max_cancels_per_sec),
  );
  return limited ? keepStop(l.exec, p, rules, l.position, view.mark) : step;
}

// --- recon -------------------------------------------------------------------------------------------

function sidePosition(p: Position | null, l: CloserLeg): SidePosition {
  return p ? sidePositionOf(p, l.position.leverage) : l.position;
}

/** Our protective stops on the leg as the exchange lists them. */
/**
 * The stop of the leg against what the exchange lists: a tracked one gone is forgotten (placed again if
 * still wanted); one of ours found is adopted (the tightest; the others are cancelled).
 */
function syncStop(
  s: CloserState,
  leg: Leg,
  open: readonly ExchangeOrder[],
): { state: CloserState; commands: Command[]; found: FoundStop[] } {
  const l = legOf(s, leg);
  const { keep, found, extra } = reconcileLegStop(s.instanceId, leg, l.stopId, open);
  const commands: Command[] = extra.map((o) =>
    cancelStop(s, leg, o.clientOrderId, 'a second protective stop of ours'),
  );
  const next: CloserLeg = keep
    ? { ...l, stopId: keep.clientOrderId, exec: { ...l.exec, stopTrigger: keep.triggerPrice ?? null } }
    : { ...l, stopId: null, exec: { ...l.exec, stopTrigger: null } };
  return { state: withLeg(s, leg.role, next), commands, found: found ? [found] : [] };
}

/** A tracked slice the exchange no longer lists: its fate settles the engine. */
function settleSlice(s: CloserState, snap: LegSnapshot, config: CloserConfig): CloserState {
  const l = legOf(s, snap.leg);
  const o = l.exec.order;
  if (!o || snap.openOrders.some((x) => x.clientOrderId === o.clientOrderId)) return s;
  if (l.exec.state === 'PLACING' && snap.at - l.exec.since < o.ttlMs) return s;
  const fate = snap.orderLookups[o.clientOrderId];
  if (fate === undefined) return s;
  const live = fate?.status === 'NEW' || fate?.status === 'PARTIALLY_FILLED';
  if (live) return s;
  const exec =
    fate?.status === 'FILLED'
      ? { ...l.exec, state: 'COOLDOWN' as const, since: snap.at, order: null }
      : onCancelled(l.exec, paramsFor(config, snap.leg.symbol), o.clientOrderId, snap.at);
  return withLeg(s, snap.leg.role, { ...l, exec });
}

/** Slices of ours live on the exchange that no leg tracks (a crashed run's): cancelled. */
function strayCancels(s: CloserState, snap: LegSnapshot): Command[] {
  const l = legOf(s, snap.leg);
  return snap.openOrders
    .filter((o) => {
      const d = decodeClientOrderId(o.clientOrderId);
      return (
        d?.kind === 'slice' &&
        d.instanceId === s.instanceId &&
        o.positionSide === snap.leg.positionSide &&
        o.clientOrderId !== l.exec.order?.clientOrderId
      );
    })
    .map((o) => ({
      kind: 'CancelOrder' as const,
      instanceId: s.instanceId,
      account: snap.leg.account,
      symbol: snap.leg.symbol,
      clientOrderId: o.clientOrderId,
      level: 0,
      reason: 'closer: a slice no leg tracks (an earlier run)',
    }));
}

function protect(
  s0: CloserState,
  snapshots: readonly LegProtectionSnapshot[],
  config: CloserConfig,
  now: number,
): { state: CloserState; commands: Command[]; found: FoundStop[] } {
  let s = s0;
  const commands: Command[] = [];
  const found: FoundStop[] = [];
  for (const snap of snapshots) {
    const synced = syncStop(s, snap.leg, snap.openOrders);
    s = synced.state;
    commands.push(...synced.commands);
    found.push(...synced.found);
    const l0 = legOf(s, snap.leg);
    const position = sidePosition(snap.position, l0);
    const held = position.qty.greaterThan(0);
    const l: CloserLeg = {
      ...l0,
      position,
      // When the read began (a recon snapshot's time): trades before it are in the position.
      positionAt: 'at' in snap && typeof snap.at === 'number' ? snap.at : now,
      stats: {
        ...l0.stats,
        ...(l0.stats.startQty === null && held ? { startQty: position.qty, startAt: now } : {}),
        ...(held ? { flatAt: null } : {}),
      },
    };
    s = withLeg(s, snap.leg.role, l);
    const step = keepStop(
      l.exec,
      paramsFor(config, snap.leg.symbol),
      snap.rules,
      position,
      snap.markPrice ?? snap.price,
    );
    const turned = toCommands(s, snap.leg, step, now);
    s = turned.state;
    commands.push(...turned.commands);
  }
  // An emergency ends when the exchange reads every leg flat: a later position is worked down normally.
  const allFlat = Object.values(s.legs).every((l) => l.positionAt !== null && l.position.qty.isZero());
  if (s.urgency === 'emergency' && allFlat) s = { ...s, urgency: 'normal' };
  return { state: { ...s, updatedAt: now }, commands, found };
}

// --- the module --------------------------------------------------------------------------------------

export const closerStrategy: StrategyModule<CloserConfig, CloserState> = {
  name: CLOSER,
  configSchema: closerConfigSchema,
  legs,
  marketChannels: ['bookTop', 'trades', 'markPrice'],
  wakeEveryMs: WAKE_MS,
  jobs: ['recon'],
  jobIntervalSec: (config) => config.recon_interval_sec,
  parseState: parseCloserState,
  stateToJson: closerStateToJson,
  invariants(state, config) {
    const out: string[] = [];
    for (const leg of legs(config)) {
      const l = state.legs[leg.role];
      if (!l) {
        out.push(`no state for leg ${leg.role}`);
        continue;
      }
      const o = l.exec.order;
      // Never more than the position in open reduce orders.
      if (o?.qty.minus(o.filled).greaterThan(l.position.qty))
        out.push(
          `${leg.role}: the open slice ${o.qty.minus(o.filled).toFixed()} exceeds the position ${l.position.qty.toFixed()}`,
        );
      if ((l.stopId === null) !== (l.exec.stopTrigger === null))
        out.push(`${leg.role}: a stop id without a trigger or a trigger without a stop`);
    }
    return out;
  },

  onFill(state, fill, leg, config, market, now) {
    const d = applyFill(state, leg, fill, config, now);
    if (!d) return { state, commands: [], applied: false };
    return {
      state: { ...d.state, lastPrice: market.price, updatedAt: now },
      commands: d.alerts,
      applied: true,
    };
  },

  onMarket(state, leg, event, config, now) {
    const l0 = legOf(state, leg);
    // Nothing is placed before recon has read the position once (its size and liquidation price).
    if (l0.positionAt === null || (state.paused && !l0.exec.order)) return null;
    const s = windowed(state, now);
    const p = paramsFor(config, leg.symbol);
    const view = marketView(event.tape, now, p.accelWindowMs);
    const full = marketStep(s, leg, l0, config, event.rules, view, now, event.run);
    // Paused: the resting slice still expires (its TTL cancel goes), but nothing new is placed.
    const paused = state.paused && full.intents.some((i) => i.kind === 'place');
    const raw = paused ? keepStop(l0.exec, p, event.rules, l0.position, view.mark) : full;
    // The worker counts fills down on its own; only the exchange's word (recon) cancels the stop as flat:
    // a fill counted twice must never leave a live position without its stop.
    const step: Step = raw.intents.some((i) => i.kind === 'cancel_stop')
      ? {
          exec: sameExec({ ...raw.exec, stopTrigger: l0.exec.stopTrigger }, l0.exec),
          intents: raw.intents.filter((i) => i.kind !== 'cancel_stop'),
        }
      : raw;
    if (step.exec === l0.exec && step.intents.length === 0) return null;
    const turned = toCommands(s, leg, step, now);
    return { state: { ...turned.state, lastPrice: event.price, updatedAt: now }, commands: turned.commands };
  },

  applyOutcome(state, command, outcome, config, now) {
    const id =
      command.kind === 'PlaceOrder' || command.kind === 'PlaceStop' || command.kind === 'ClosePosition'
        ? command.request.clientOrderId
        : command.clientOrderId;
    const entry = Object.entries(state.legs).find(
      ([, l]) => l.exec.order?.clientOrderId === id || l.stopId === id,
    );
    if (!entry) return { state, commands: [] };
    const [role, l] = entry;
    let activeAlerts = state.activeAlerts;
    const symbol = role.slice(0, role.lastIndexOf('#'));
    const p = paramsFor(config, symbol);
    let next: CloserLeg = l;
    const commands: Command[] = [];
    if (command.kind === 'PlaceOrder') {
      if (outcome.kind === 'placed' || outcome.kind === 'timedOut')
        // Unknown is treated as placed: the TTL cancel (or recon's lookup) settles it.
        next = { ...l, exec: onPlaced(l.exec, id, now) };
      else if (outcome.kind === 'rejected') {
        next = { ...l, exec: onRejected(l.exec, id, outcome.reason === 'post_only_would_take', now) };
        // Larger than the position the venue holds: what we count is wrong; nothing more until recon reads it.
        if (outcome.reason === 'reduce_only_rejected' || outcome.reason === 'position_mismatch')
          next = { ...next, positionAt: null };
      }
    } else if (command.kind === 'CancelOrder') {
      // Cancelled, or unknown to the exchange (it filled or expired first): the order is over.
      if (outcome.kind === 'cancelled' || (outcome.kind === 'rejected' && outcome.reason === 'unknown_order'))
        next = { ...l, exec: onCancelled(l.exec, p, id, now) };
    } else if (command.kind === 'PlaceStop' && outcome.kind === 'rejected') {
      // Not in force: forgotten, and tried again a little later (recon adopts one that is there).
      next = { ...l, stopId: null, stopRefusedAt: now, exec: { ...l.exec, stopTrigger: null } };
      if (outcome.reason === 'would_trigger' && l.position.qty.greaterThan(0)) {
        // The mark is already past the stop (liquidation is that near): close the whole side at market now,
        // its resting slice cancelled first (it would hold part of the position against the close).
        const seq = state.nextSeq;
        state = { ...state, nextSeq: seq + 1 };
        const side = l.exec.side;
        if (l.exec.order)
          commands.push({
            kind: 'CancelOrder',
            instanceId: state.instanceId,
            account: command.request.account,
            symbol: command.request.symbol,
            clientOrderId: l.exec.order.clientOrderId,
            level: 0,
            reason: 'closer: the side closes at market',
          });
        commands.push({
          kind: 'ClosePosition',
          instanceId: state.instanceId,
          reason: `closer: the protective stop for ${role} would trigger at once: close at market`,
          request: {
            type: 'market',
            account: command.request.account,
            symbol: command.request.symbol,
            clientOrderId: closeOrderId(state.instanceId, seq),
            side: closingSideOf(side),
            positionSide: side,
            qty: l.position.qty,
          },
        });
        // Said once per run of refusals (the close goes out every time).
        if (l.stopRefusedAt === null)
          commands.push({
            kind: 'Alert',
            instanceId: state.instanceId,
            severity: 'critical',
            code: 'protective_close',
            message: `the protective stop for ${role} would trigger at once (the mark is past it): closing ${l.position.qty.toFixed()} at market`,
          });
      }
      if (outcome.reason !== 'stop_exists' && !activeAlerts.includes(STOP_REFUSED)) {
        activeAlerts = [...activeAlerts, STOP_REFUSED];
        commands.push({
          kind: 'Alert',
          instanceId: state.instanceId,
          severity: 'warning',
          code: STOP_REFUSED,
          message: `the protective stop for ${role} was refused (${outcome.reason}: ${outcome.message}); it is tried again every ${STOP_RETRY_MS / 1000} s`,
        });
      }
    } else if (command.kind === 'PlaceStop' && outcome.kind === 'placed') {
      next = l.stopRefusedAt === null ? l : { ...l, stopRefusedAt: null };
      if (activeAlerts.includes(STOP_REFUSED)) {
        activeAlerts = activeAlerts.filter((a) => a !== STOP_REFUSED);
        commands.push({
          kind: 'Alert',
          instanceId: state.instanceId,
          severity: 'info',
          code: `${STOP_REFUSED}_resolved`,
          message: `the protective stop for ${role} is in place again`,
        });
      }
    }
    if (next === l && activeAlerts === state.activeAlerts) return { state, commands };
    return { state: { ...withLeg(state, role, next), activeAlerts, updatedAt: now }, commands };
  },
  // The closer never sends a close larger than the position: nothing to shrink.
  closeWhatIsHeld: (state) => ({ state, commands: [] }),

  fillCursor: (state, leg) => legOf(state, leg).cursor,
  ordersToLookUp(state, leg, openOrders) {
    const o = legOf(state, leg).exec.order;
    if (!o || openOrders.some((x) => x.clientOrderId === o.clientOrderId)) return [];
    return [o.clientOrderId];
  },
  planRecon(state, snapshots, config, now): StrategyReconDecision<CloserState> {
    let s: CloserState = state;
    let fillsApplied = 0;
    const commands: Command[] = [];
    for (const snap of snapshots) {
      for (const f of snap.fills) {
        const d = applyFill(s, snap.leg, f, config, now);
        if (!d) continue;
        s = d.state;
        commands.push(...d.alerts);
        fillsApplied += 1;
      }
      const last = snap.fills[snap.fills.length - 1];
      if (last)
        s = withLeg(s, snap.leg.role, {
          ...legOf(s, snap.leg),
          cursor: { time: last.time, tradeId: last.tradeId },
        });
      s = settleSlice(s, snap, config);
      commands.push(...strayCancels(s, snap));
    }
    const protection = protect(s, snapshots, config, now);
    const lastPrice = snapshots[0]?.price ?? state.lastPrice;
    return {
      state: { ...protection.state, lastPrice },
      commands: [...commands, ...protection.commands],
      fillsApplied,
      stopsFound: protection.found,
    };
  },
  planProtection(state, snapshots, config, now) {
    const p = protect(state, snapshots, config, now);
    return { state: p.state, commands: p.commands, stopsFound: p.found };
  },

  pause: (state, reason, now) => ({ ...state, paused: true, pauseReason: reason, updatedAt: now }),
  resume: (state, now) => ({
    ...state,
    paused: false,
    pauseReason: null,
    urgency: 'normal',
    updatedAt: now,
  }),
  // An emergency slices fixed fractions of the position as it stands now (`stats.startQty`).
  flattenInPlace: (state, urgency, now) => ({
    ...state,
    urgency,
    paused: false,
    pauseReason: null,
    legs: Object.fromEntries(
      Object.entries(state.legs).map(([role, l]) => [
        role,
        { ...l, stats: { ...l.stats, startQty: l.position.qty, startAt: now } },
      ]),
    ),
    updatedAt: now,
  }),
  planFlattenOrders(state, snapshots, _config, now) {
    const commands: Command[] = [];
    let s: CloserState = { ...state, paused: true, pauseReason: 'flatten', updatedAt: now };
    for (const snap of snapshots) {
      const l = legOf(s, snap.leg);
      const o = l.exec.order;
      if (!o) continue;
      commands.push({
        kind: 'CancelOrder',
        instanceId: s.instanceId,
        account: snap.leg.account,
        symbol: snap.leg.symbol,
        clientOrderId: o.clientOrderId,
        level: 0,
        reason: 'flatten',
      });
      s = withLeg(s, snap.leg.role, { ...l, exec: { ...l.exec, state: 'CANCELING', since: now } });
    }
    return { state: s, commands };
  },
  planFlattenPositions(state, snapshots, _config, now) {
    let s: CloserState = { ...state, updatedAt: now };
    const commands: Command[] = [];
    for (const snap of snapshots) {
      const held = snap.position?.qty.abs() ?? ZERO;
      if (!held.greaterThan(0)) continue;
      const seq = s.nextSeq;
      s = { ...s, nextSeq: seq + 1 };
      commands.push({
        kind: 'ClosePosition',
        instanceId: s.instanceId,
        request: {
          type: 'market',
          account: snap.leg.account,
          symbol: snap.leg.symbol,
          clientOrderId: closeOrderId(s.instanceId, seq),
          side: closingSideOf(snap.leg.positionSide as CloseSide),
          positionSide: snap.leg.positionSide,
          qty: held,
        },
        reason: 'flatten',
      });
    }
    return { state: s, commands };
  },

  ledger(state) {
    let holdings = ZERO;
    let realized = ZERO;
    const legsView: Record<string, { qty: Decimal; avgEntry: Decimal }> = {};
    for (const [role, l] of Object.entries(state.legs)) {
      const q = signed(l.exec.side, l.position.qty);
      holdings = holdings.plus(q);
      realized = realized.plus(l.stats.realized).minus(l.stats.fees);
      legsView[role] = { qty: q, avgEntry: l.position.entry };
    }
    return { holdings, avgEntry: ZERO, realizedPnl: realized, legs: legsView };
  },
  levelPrice: () => undefined,
  openOrderCount: (state) => closerSlots(state).length,
  orderSlots: closerSlots,
  // Its stop guards against liquidation (only where a liquidation price is known): not a promise that
  // every holding is covered; the invariants hold the stop and its id together.
  protectsHoldings: () => false,
  status: (config, state) => ({
    instanceId: config.id,
    initialized: true,
    strategy: CLOSER,
    paused: state.paused,
    urgency: state.urgency,
    legs: Object.fromEntries(
      Object.entries(state.legs).map(([role, l]) => [
        role,
        {
          position: l.position.qty.toFixed(),
          entry: l.position.entry.toFixed(),
          liquidation: l.position.liquidation?.toFixed() ?? null,
          state: l.exec.state,
          mode: l.exec.mode,
          order: l.exec.order
            ? {
                id: l.exec.order.clientOrderId,
                price: l.exec.order.price.toFixed(),
                qty: l.exec.order.qty.toFixed(),
              }
            : null,
          stop: l.exec.stopTrigger?.toFixed() ?? null,
          closed: l.stats.closed.toFixed(),
          slices: l.stats.slices,
          makerShare: l.stats.closed.greaterThan(0)
            ? l.stats.makerQty.dividedBy(l.stats.closed).toDecimalPlaces(4).toFixed()
            : null,
          averageExit: l.stats.closed.greaterThan(0)
            ? l.stats.proceeds.dividedBy(l.stats.closed).toDecimalPlaces(8).toFixed()
            : null,
        },
      ]),
    ),
  }),
  monitoring: () => ({ riskBreach: null, heartbeatMaxAgeSec: 60 }),
  simulation: {
    historyNeededMs: () => 0,
    openingPrice: () => null,
    chartLevels: (state) =>
      Object.values(state.legs).flatMap((l) => [
        ...(l.exec.stopTrigger ? [l.exec.stopTrigger] : []),
        ...(l.exec.order ? [l.exec.order.price] : []),
      ]),
    eventChecks: () => ({}),
    report: closerReport,
  },
};

const bp = (d: Decimal) => d.times(10_000).toDecimalPlaces(2).toFixed();

/**
 * Per leg, what the closer did with a position the simulator opened: its average exit against one market
 * order at the start (the touch then), in basis points, gross and net of fees (the market order would have
 * paid the taker fee), its slices, maker share, fees and time to flat.
 */
function closerReport(
  config: CloserConfig,
  state: CloserState,
  openings: readonly SimOpening[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const leg of legs(config)) {
    const l = state.legs[leg.role];
    const o = openings.find(
      (x) => x.account === leg.account && x.symbol === leg.symbol && x.positionSide === leg.positionSide,
    );
    if (!l || (!o && l.stats.closed.isZero())) continue;
    const { closed, proceeds, fees, makerQty } = l.stats;
    const avg = closed.greaterThan(0) ? proceeds.dividedBy(closed) : null;
    const long = leg.positionSide === 'LONG';
    const gross = avg && o ? (long ? avg.minus(o.touch) : o.touch.minus(avg)).dividedBy(o.touch) : null;
    const feeRate = proceeds.greaterThan(0) ? fees.dividedBy(proceeds) : ZERO;
    out[leg.role] = {
      opened: o?.qty.toFixed() ?? null,
      marketAtStart: o?.touch.toFixed() ?? null,
      closed: closed.toFixed(),
      left: l.position.qty.toFixed(),
      averageExit: avg?.toDecimalPlaces(8).toFixed() ?? null,
      vsMarketBp: gross ? bp(gross) : null,
      feesBp: bp(feeRate),
      netVsMarketBp: gross && o ? bp(gross.minus(feeRate).plus(o.takerFee)) : null,
      slices: l.stats.slices,
      makerShare: closed.greaterThan(0) ? makerQty.dividedBy(closed).toDecimalPlaces(4).toFixed() : null,
      fees: fees.toFixed(),
      timeToFlatSec:
        l.stats.flatAt !== null && l.position.qty.isZero() && o
          ? Math.max(0, (l.stats.flatAt - o.at) / 1000)
          : null,
    };
  }
  return { legs: out };
}
