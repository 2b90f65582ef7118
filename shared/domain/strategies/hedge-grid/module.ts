/**
 * The ATR hedge grid as a strategy (`strategy: atr_hedge_grid`, SPEC §3) behind the seam: two legs, a long
 * grid on one account and a short grid on another (single-account mode: the long leg only), one parameter
 * version for both, run by the pure executor (`executor.ts`) per leg, gated with both legs in view.
 *
 *  - Both tracks decide the same way: the stream worker on every fill and book update (`onFill`,
 *    `onMarket`: a take-profit within milliseconds of an open's fill), recon on every pass from what the
 *    exchange says (`planRecon`: missed fills, vanished orders, stray orders of ours, the position, the
 *    stop), and every decision runs the executor's step.
 *  - A leg may open only when: parameters are in force, the instance is not paused or shut down, no leg has
 *    failed (both or neither), the risk controller has not stopped it, and — with two legs — the imbalance
 *    allowance has room (`openingGate`).
 *  - Each leg keeps an exchange-side stop (`STOP_MARKET closePosition`, mark price) `grid.stop_spacings` beyond the
 *    channel, never past 2% short of the liquidation price, placed with the first open fill and adopted
 *    from the exchange after a restart (stable client-id prefix per side).
 *  - A leg fails when its orders keep being refused (`max_consecutive_rejections`) or its stop fires; the
 *    other leg then stops opening at once, and the runtime's sync rule flattens both through the closer.
 */

import { timeframeMs } from '../../analysis/candles.js';
import {
  closeOrderId,
  decodeClientOrderId,
  levelOrderId,
  protectiveStopOrderId,
} from '../../client-order-id.js';
import type { Command, OrderCommand } from '../../commands.js';
import { reconcileLegStop } from '../../guards/protective-stop.js';
import { type Decimal, dec, maxDec, minDec, ZERO } from '../../money.js';
import { type ExchangeOrder, type Fill, isLiquidationFill } from '../../orders.js';
import { unjournaledFillOf } from '../../stored-instance.js';
import type {
  FoundStop,
  Leg,
  LegProtectionSnapshot,
  LegSnapshot,
  StrategyModule,
  StrategyReconDecision,
} from '../../strategy.js';
import { freshEnvelope } from '../../strategy.js';
import { roundPrice, type SymbolRules } from '../../symbol-rules.js';
import { HEDGE_GRID, type HedgeGridConfig, hedgeGridConfigSchema } from './config.js';
import {
  adoptLevels,
  type Book,
  closingSide,
  confirmed,
  emptyLevel,
  ended,
  type FlowLimits,
  filled,
  findOrder,
  heldBy,
  type LegGrid,
  type LegIntent,
  mayStillFill,
  openingSide,
  type ParamsInForce,
  sent,
  shrink,
  step,
  uncancel,
} from './executor.js';
import { imbalanceAllowance } from './risk.js';
import {
  type HedgeGridState,
  type HedgeLeg,
  hedgeGridStateToJson,
  hedgeSlots,
  INITIAL_RISK,
  initialHedgeLeg,
  type LegRole,
  legEntries,
  parseHedgeGridState,
} from './state.js';
import { hedgeReport, hedgeStatus } from './status.js';

const RECENT_TRADES = 300;
/** A placement not yet confirmed is given this long before recon looks its fate up. */
const IN_FLIGHT_MS = 10_000;
/** After the venue refused the stop, it is tried again this much later. */
const STOP_RETRY_MS = 5_000;
/** The stop stays this far short of the liquidation price. */
const LIQ_BUFFER = dec('0.02');
const LEG_FAILED = 'hedge_leg_failed';
/** Venue refusals that say a leg's orders cannot trade (the ones `max_consecutive_rejections` counts). */
const LEG_REFUSALS = new Set([
  'insufficient_margin',
  'filter',
  'position_mismatch',
  'reduce_only_rejected',
  'too_many_orders',
  'other',
]);

export function hedgeLegs(config: HedgeGridConfig): Leg[] {
  const out: Leg[] = [
    { role: 'long', account: config.accounts.long, symbol: config.symbol, positionSide: 'LONG' },
  ];
  if (config.accounts.short)
    out.push({ role: 'short', account: config.accounts.short, symbol: config.symbol, positionSide: 'SHORT' });
  return out;
}

export function initialHedgeGridState(config: HedgeGridConfig, now: number): HedgeGridState {
  return {
    ...freshEnvelope(HEDGE_GRID, config.id, now),
    nextSeq: 1,
    params: null,
    legs: {
      long: initialHedgeLeg('LONG'),
      ...(config.accounts.short ? { short: initialHedgeLeg('SHORT') } : {}),
    },
    risk: INITIAL_RISK,
    shutdown: null,
  };
}

export function flowLimits(config: HedgeGridConfig): FlowLimits {
  const e = config.executor;
  return {
    maxOpenOrders: e.max_open_orders,
    maxOrdersPerBatch: e.max_orders_per_batch,
    orderFrequencyMs: Math.round(e.order_frequency_sec * 1000),
    activationBounds: e.activation_bounds ?? null,
    upperLowerRatio: e.upper_lower_ratio,
    safeExtraSpread: e.safe_extra_spread,
  };
}

function legOf(s: HedgeGridState, role: string): HedgeLeg {
  const l = s.legs[role as LegRole];
  if (!l) throw new Error(`hedge grid ${s.instanceId} has no leg ${role}`);
  return l;
}

function withLeg(s: HedgeGridState, role: LegRole, l: HedgeLeg): HedgeGridState {
  return { ...s, legs: { ...s.legs, [role]: l } };
}

const other = (role: LegRole): LegRole => (role === 'long' ? 'short' : 'long');
/** The leg's ledger in signed coins (short negative). */
const signedQty = (l: HedgeLeg) => (l.side === 'LONG' ? l.ledgerQty : l.ledgerQty.negated());

/** Net coins across the legs by the fills applied (long − short): what journal lines state. */
export function netPosition(s: HedgeGridState): Decimal {
  let net = ZERO;
  for (const [, l] of legEntries(s)) net = net.plus(signedQty(l));
  return net;
}

/**
 * Whether a leg may open at all (`opening`: false cancels its resting opens, with `why`), and how many
 * more opens the imbalance allowance leaves room for (null: no such limit). The worst case counts every
 * open of the leg and every take-profit of the other leg the venue may still fill (cancels in flight
 * included) as filled: no sequence of fills of our orders can take the net beyond it.
 */
export function openingGate(
  s: HedgeGridState,
  role: LegRole,
  config: HedgeGridConfig,
): { opening: boolean; room: number | null; allowance: Decimal | null; why: string | null } {
  const leg = legOf(s, role);
  const params = s.params;
  const why = !params
    ? 'no parameters in force yet'
    : s.paused
      ? 'paused'
      : s.shutdown
        ? `shut down: ${s.shutdown.reason}`
        : legEntries(s).some(([, l]) => l.failure)
          ? 'a leg has failed (both or neither)'
          : s.risk.stopOpening.includes(role)
            ? 'stopped by the risk controller'
            : leg.positionAt === null
              ? 'the position has not been read yet'
              : null;
  if (why || !params) return { opening: false, room: 0, allowance: null, why };
  const twoLegs = s.legs.short !== undefined;
  const allowance = imbalanceAllowance(config, params, twoLegs);
  if (allowance === null) return { opening: true, room: null, allowance, why: null };
  const otherLeg = s.legs[other(role)];
  // The leg's coins by the most any count says (levels, fills, the exchange), the other's by the least:
  // coins no level holds (a hand trade, a fill booked late) count against the allowance too.
  const mine = maxDec(maxDec(heldBy(leg.grid), leg.ledgerQty), leg.position.qty);
  const theirs = otherLeg
    ? minDec(minDec(heldBy(otherLeg.grid), otherLeg.ledgerQty), otherLeg.position.qty)
    : ZERO;
  const worst = mine
    .plus(mayStillFill(leg.grid).opens)
    .minus(otherLeg ? theirs.minus(mayStillFill(otherLeg.grid).closes) : ZERO);
  const room = allowance.minus(worst).dividedBy(params.amountPerLevel).floor().toNumber();
  // No room only holds new opens back: what rests already stays (cancelling it would only churn).
  return { opening: true, room: Math.max(0, room), allowance, why: null };
}

// --- decisions -----------------------------------------------------------------------------------------

interface Turned {
  readonly state: HedgeGridState;
  readonly commands: Command[];
}

/** The executor's step on one leg, its intents turned into order commands (ids assigned, orders marked sent). */
function decideLeg(
  s0: HedgeGridState,
  role: LegRole,
  config: HedgeGridConfig,
  book: Book,
  rules: SymbolRules,
  now: number,
  account: string,
): Turned {
  const params = s0.params;
  if (!params) return { state: s0, commands: [] };
  // Shut down or being flattened: the closer works the positions down; no take-profit competes with it,
  // and the stop stays until flat.
  if (s0.shutdown || (s0.paused && s0.pauseReason === 'flatten'))
    return keepStop(s0, role, config, params, rules, now, account);
  const leg = legOf(s0, role);
  const gate = openingGate(s0, role, config);
  const r = step({
    side: leg.side,
    grid: leg.grid,
    params,
    limits: flowLimits(config),
    book,
    rules,
    opening: gate.opening,
    openRoom: gate.room,
    now,
  });
  let s = s0;
  let grid = r.grid;
  const commands: Command[] = [];
  let seq = s.nextSeq;
  for (const i of r.intents) {
    const id =
      i.kind === 'cancel'
        ? i.id
        : levelOrderId(
            s.instanceId,
            i.key,
            i.kind === 'open' ? openingSide(leg.side) : closingSide(leg.side),
            seq++,
          );
    commands.push(intentCommand(s.instanceId, role, leg, config, params, i, id, account, gate.allowance));
    grid = sent(grid, i, id, now);
  }
  s = { ...s, nextSeq: seq };
  const changed = r.intents.length > 0 || r.reset > 0 || r.grid.lastBatchAt !== leg.grid.lastBatchAt;
  if (changed) s = withLeg(s, role, { ...legOf(s, role), grid });
  const stop = keepStop(s, role, config, params, rules, now, account);
  return { state: stop.state, commands: [...commands, ...stop.commands] };
}

function intentCommand(
  instanceId: string,
  role: LegRole,
  leg: HedgeLeg,
  config: HedgeGridConfig,
  params: ParamsInForce | null,
  i: LegIntent,
  id: string,
  account: string,
  allowance: Decimal | null,
): OrderCommand {
  if (i.kind === 'cancel') return cancelCommand(instanceId, role, account, config.symbol, { ...i, id });
  const open = i.kind === 'open';
  return {
    kind: 'PlaceOrder',
    instanceId,
    level: i.key,
    request: {
      type: 'limit',
      account,
      symbol: config.symbol,
      clientOrderId: id,
      side: open ? openingSide(leg.side) : closingSide(leg.side),
      positionSide: leg.side,
      price: i.price,
      qty: i.qty,
      timeInForce: 'GTX',
    },
    reason: open ? `hedge grid ${role}: open` : `hedge grid ${role}: take-profit`,
    tag: {
      leg: role,
      role: open ? 'open' : 'close',
      ...(params ? { paramsVersion: params.version } : {}),
      ...(i.kind === 'close' && params ? { entry: i.entry, spacing: params.spacing } : {}),
      ...(open && allowance ? { allowance } : {}),
    },
  };
}

/**
 * Where the leg's stop belongs: `grid.stop_spacings` spacings beyond the channel, 2% short of liquidation
 * at the nearest.
 */
export function stopTrigger(leg: HedgeLeg, params: ParamsInForce, rules: SymbolRules, spacings = 1): Decimal {
  const liq = leg.position.liquidation;
  const gap = params.spacing.times(spacings);
  if (leg.side === 'LONG') {
    const beyond = roundPrice(params.lower.minus(gap), 'buy', rules);
    const floor = liq?.greaterThan(0) ? roundPrice(liq.times(LIQ_BUFFER.plus(1)), 'sell', rules) : null;
    const t = floor && floor.greaterThan(beyond) ? floor : beyond;
    return t.greaterThan(0) ? t : rules.tickSize;
  }
  const beyond = roundPrice(params.upper.plus(gap), 'sell', rules);
  const cap = liq?.greaterThan(0) ? roundPrice(liq.times(dec(1).minus(LIQ_BUFFER)), 'buy', rules) : null;
  return cap?.lessThan(beyond) ? cap : beyond;
}

/**
 * The leg's stop while it holds coins: placed when missing, moved when where it belongs changed (a new
 * parameter version, the liquidation price nearing it). The old one goes first (one closePosition stop
 * per side).
 */
function keepStop(
  s: HedgeGridState,
  role: LegRole,
  config: HedgeGridConfig,
  params: ParamsInForce,
  rules: SymbolRules,
  now: number,
  account: string,
): Turned {
  const leg = legOf(s, role);
  const holds = heldBy(leg.grid).greaterThan(0) || leg.position.qty.greaterThan(0);
  if (!holds) return { state: s, commands: [] };
  if (leg.stopRefusedAt !== null && now - leg.stopRefusedAt < STOP_RETRY_MS)
    return { state: s, commands: [] };
  const want = stopTrigger(leg, params, rules, config.grid.stop_spacings);
  if (leg.stopTrigger?.equals(want)) return { state: s, commands: [] };
  const commands: Command[] = [];
  if (leg.stopId) commands.push(cancelStop(s.instanceId, role, config, leg.stopId, account, 'moved'));
  const id = protectiveStopOrderId(s.instanceId, leg.side, s.nextSeq);
  commands.push({
    kind: 'PlaceStop',
    instanceId: s.instanceId,
    leg: role,
    reason: `hedge grid ${role}: protective stop`,
    request: {
      type: 'stop_market',
      account,
      symbol: config.symbol,
      clientOrderId: id,
      side: closingSide(leg.side),
      positionSide: leg.side,
      triggerPrice: want,
      workingType: 'MARK_PRICE',
      closePosition: true,
    },
  });
  return {
    state: withLeg({ ...s, nextSeq: s.nextSeq + 1 }, role, { ...leg, stopId: id, stopTrigger: want }),
    commands,
  };
}

function cancelStop(
  instanceId: string,
  role: LegRole,
  config: HedgeGridConfig,
  id: string,
  account: string,
  why: string,
): OrderCommand {
  return {
    kind: 'CancelStop',
    instanceId,
    account,
    symbol: config.symbol,
    clientOrderId: id,
    reason: `hedge grid ${role}: stop ${why}`,
  };
}

/** A leg failed: recorded once, said once; nothing opens on either leg until a resume. */
export function legFailed(s: HedgeGridState, role: LegRole, reason: string, now: number): Turned {
  const leg = legOf(s, role);
  if (leg.failure) return { state: s, commands: [] };
  const state = withLeg(
    {
      ...s,
      activeAlerts: s.activeAlerts.includes(LEG_FAILED) ? s.activeAlerts : [...s.activeAlerts, LEG_FAILED],
      updatedAt: now,
    },
    role,
    { ...leg, failure: { at: now, reason } },
  );
  return {
    state,
    commands: [
      {
        kind: 'Alert',
        instanceId: s.instanceId,
        severity: 'critical',
        code: LEG_FAILED,
        message: `the ${role} leg failed (${reason}): both legs stop opening and are flattened through the closer`,
        data: { leg: role },
      },
    ],
  };
}

// --- fills ---------------------------------------------------------------------------------------------

/** The take-profits a shrink left with nothing to close, cancelled on the leg's account. */
function shrinkCancels(instanceId: string, leg: Leg, cancels: readonly LegIntent[]): OrderCommand[] {
  return cancels.flatMap((c) =>
    c.kind === 'cancel' ? [cancelCommand(instanceId, leg.role, leg.account, leg.symbol, c)] : [],
  );
}

/** A cancel intent of a leg's executor as the order command that carries it out. */
function cancelCommand(
  instanceId: string,
  role: string,
  account: string,
  symbol: string,
  c: Extract<LegIntent, { kind: 'cancel' }>,
): OrderCommand {
  return {
    kind: 'CancelOrder',
    instanceId,
    account,
    symbol,
    clientOrderId: c.id,
    level: c.key,
    reason: `hedge grid ${role}: ${c.reason}`,
  };
}

function isApplied(l: HedgeLeg, fill: Fill): boolean {
  if (l.trades.some((t) => t.id === fill.tradeId)) return true;
  return l.cursor !== null && fill.time < l.cursor.time;
}

/** A fill on a leg: a grid order's moves its level; anything else that reduces the leg shrinks its levels. */
function applyFill(s: HedgeGridState, leg: Leg, fill: Fill, now: number): Turned | null {
  const role = leg.role as LegRole;
  const l = legOf(s, role);
  if (isApplied(l, fill)) return null;
  const decoded = decodeClientOrderId(fill.clientOrderId);
  const ours = decoded?.instanceId === s.instanceId;
  const reduces = fill.side === closingSide(l.side);
  // A trade from before recon read the position is in the position it read: counted once.
  const counted = l.positionAt !== null && fill.time < l.positionAt;
  const posQty = counted
    ? l.position.qty
    : reduces
      ? l.position.qty.minus(fill.qty).isNegative()
        ? ZERO
        : l.position.qty.minus(fill.qty)
      : l.position.qty.plus(fill.qty);
  let grid: LegGrid = l.grid;
  let stats = ours ? { ...l.stats, fees: l.stats.fees.plus(fill.fee), trades: l.stats.trades + 1 } : l.stats;
  const commands: Command[] = [];
  let fillRole = 'external';
  let failure: string | null = null;
  // A grid order of ours no level tracks any more (its level was replaced, its cancel crossed the fill):
  // its level takes the fill back, so an opening fill still gets its take-profit.
  let booked = false;
  if (ours && decoded?.kind === 'level' && !findOrder(grid, fill.clientOrderId)) {
    const r = reattach(grid, decoded.level, fill.clientOrderId, fill.qty, fill.price, reduces, now);
    grid = r.grid;
    booked = r.booked;
  }
  const effect =
    ours && decoded?.kind === 'level' && !booked
      ? filled(grid, l.side, fill.clientOrderId, fill.qty, fill.price, now)
      : null;
  if (booked) fillRole = 'hedge_open';
  else if (effect) {
    grid = effect.grid;
    fillRole = findOrder(l.grid, fill.clientOrderId)?.role === 'open' ? 'hedge_open' : 'hedge_close';
    stats = { ...stats, realized: stats.realized.plus(effect.realized) };
    if (effect.completed)
      stats = {
        ...stats,
        cycles: stats.cycles + 1,
        wins: effect.completed.pnl.greaterThan(0) ? stats.wins + 1 : stats.wins,
      };
  } else if (reduces) {
    // The stop, a flatten, a hand trade or a liquidation took coins the levels held.
    const taken = shrink(grid, l.side, fill.qty);
    grid = taken.grid;
    commands.push(...shrinkCancels(s.instanceId, leg, taken.cancels));
    fillRole = ours ? `hedge_${decoded?.kind ?? 'order'}` : 'external';
    if (ours && decoded?.kind === 'protective_stop') {
      failure = `its protective stop fired at ${fill.price.toFixed()}`;
      commands.push({
        kind: 'Alert',
        instanceId: s.instanceId,
        severity: 'critical',
        code: 'protective_stop_triggered',
        message: `the ${role} leg's protective stop closed ${fill.qty.toFixed()} at ${fill.price.toFixed()}`,
        data: { leg: role },
      });
    }
    if (isLiquidationFill(fill)) failure = `it was liquidated at ${fill.price.toFixed()}`;
  }
  const stopGone = ours && decoded?.kind === 'protective_stop' && posQty.isZero();
  const next: HedgeLeg = {
    ...l,
    grid,
    stats,
    position: { ...l.position, qty: posQty },
    ledgerQty: reduces ? l.ledgerQty.minus(fill.qty) : l.ledgerQty.plus(fill.qty),
    ...(stopGone ? { stopId: null, stopTrigger: null } : {}),
    trades: [...l.trades, { id: fill.tradeId, time: fill.time }].slice(-RECENT_TRADES),
  };
  let state = withLeg(s, role, next);
  const line = unjournaledFillOf(fill, {
    levelPrice: effect ? (findOrder(l.grid, fill.clientOrderId)?.level.price ?? null) : null,
    holdingsAfter: netPosition(state),
    avgEntryAfter: ZERO,
    role: fillRole,
    leg: role,
  });
  state = { ...state, unjournaled: [...state.unjournaled, line] };
  if (failure) {
    const f = legFailed(state, role, failure, now);
    state = f.state;
    commands.push(...f.commands);
  }
  return { state, commands };
}

/**
 * An order of ours the levels no longer track, put back on its level (by the key in its client id; a
 * level gone with its version comes back as a level of that version) as a filled order, so `filled`
 * books it: an open's coins get their take-profit, a take-profit's close its level.
 */
function reattach(
  grid: LegGrid,
  key: number,
  id: string,
  qty: Decimal,
  price: Decimal,
  closing: boolean,
  now: number,
): { grid: LegGrid; booked: boolean } {
  const order = { id, price: ZERO, qty, filled: ZERO, placedAt: now, pending: null };
  const level = grid.levels.find((l) => l.key === key);
  if (level) {
    if (closing ? level.close : level.open) {
      // The level has a newer order of that kind: an opening fill's coins are booked on it directly (its
      // take-profit follows); a closing one is left to shrink the levels.
      if (closing) return { grid, booked: false };
      const held = level.held.plus(qty);
      const entry = level.entry.times(level.held).plus(price.times(qty)).dividedBy(held);
      const next = { ...level, held, entry, completedAt: null };
      return { grid: { ...grid, levels: grid.levels.map((l) => (l === level ? next : l)) }, booked: true };
    }
    const next = closing ? { ...level, close: order } : { ...level, open: order };
    return { grid: { ...grid, levels: grid.levels.map((l) => (l === level ? next : l)) }, booked: false };
  }
  if (closing) return { grid, booked: false };
  return {
    booked: false,
    grid: {
      ...grid,
      levels: [...grid.levels, emptyLevel(key, ZERO, order)],
    },
  };
}

// --- recon ---------------------------------------------------------------------------------------------

/** The leg's stop against the exchange's list: a tracked one gone is forgotten; one of ours found is adopted. */
function syncStop(
  s: HedgeGridState,
  leg: Leg,
  config: HedgeGridConfig,
  open: readonly ExchangeOrder[],
): { state: HedgeGridState; commands: Command[]; found: FoundStop[] } {
  const role = leg.role as LegRole;
  const l = legOf(s, role);
  const { keep, found, extra } = reconcileLegStop(s.instanceId, leg, l.stopId, open);
  const commands: Command[] = extra.map((o) =>
    cancelStop(s.instanceId, role, config, o.clientOrderId, leg.account, 'a second one of ours'),
  );
  const next: HedgeLeg = keep
    ? { ...l, stopId: keep.clientOrderId, stopTrigger: keep.triggerPrice ?? null }
    : { ...l, stopId: null, stopTrigger: null };
  return {
    state: withLeg(s, role, next),
    commands,
    found: found ? [{ ...found, leg: role, side: closingSide(l.side) }] : [],
  };
}

/** Tracked orders the exchange no longer lists: settled by their looked-up fate (fills come from trades). */
function settleVanished(s: HedgeGridState, snap: LegSnapshot): HedgeGridState {
  const role = snap.leg.role as LegRole;
  const l = legOf(s, role);
  let grid = l.grid;
  for (const id of vanished(l.grid, snap.openOrders, snap.at)) {
    const fate = snap.orderLookups[id];
    if (fate === undefined) continue;
    if (fate && (fate.status === 'NEW' || fate.status === 'PARTIALLY_FILLED')) {
      grid = confirmed(grid, id);
      continue;
    }
    // Filled: its trades were applied above; anything else (cancelled, expired, unknown): over.
    if (fate?.status === 'FILLED' && findOrder(grid, id)) continue;
    grid = ended(grid, id, fate?.status === 'REJECTED', snap.at);
  }
  return grid === l.grid ? s : withLeg(s, role, { ...l, grid });
}

function vanished(grid: LegGrid, open: readonly ExchangeOrder[], now: number): string[] {
  const listed = new Set(open.map((o) => o.clientOrderId));
  const out: string[] = [];
  for (const l of grid.levels)
    for (const o of [l.open, l.close])
      if (o && !listed.has(o.id) && !(o.pending === 'place' && now - o.placedAt < IN_FLIGHT_MS))
        out.push(o.id);
  return out;
}

/** Grid orders of ours on the leg that no level tracks (a crashed run's, a replaced version's): cancelled. */
function strays(s: HedgeGridState, snap: LegSnapshot): Command[] {
  const l = legOf(s, snap.leg.role);
  return snap.openOrders
    .filter((o) => {
      const d = decodeClientOrderId(o.clientOrderId);
      return (
        d?.kind === 'level' &&
        d.instanceId === s.instanceId &&
        o.positionSide === snap.leg.positionSide &&
        !findOrder(l.grid, o.clientOrderId)
      );
    })
    .map((o) => ({
      kind: 'CancelOrder' as const,
      instanceId: s.instanceId,
      account: snap.leg.account,
      symbol: snap.leg.symbol,
      clientOrderId: o.clientOrderId,
      level: 0,
      reason: `hedge grid ${snap.leg.role}: an order of ours no level tracks`,
    }));
}

/**
 * The exchange's position against the levels: fewer coins than the levels hold (a stop, a liquidation,
 * a hand close the trade history did not explain) shrinks them; more (a hand trade) is left to the shadow
 * ledger to say. The fill ledger (`ledgerQty`) is never adopted: the shadow ledger holds it to the exchange.
 */
function adoptPosition(
  s: HedgeGridState,
  snap: LegProtectionSnapshot & { at?: number; fills?: readonly Fill[] },
  now: number,
): { state: HedgeGridState; commands: Command[] } {
  const role = snap.leg.role as LegRole;
  const l = legOf(s, role);
  const qty = snap.position ? snap.position.qty.abs() : ZERO;
  const held = heldBy(l.grid);
  const commands: Command[] = [];
  let grid = l.grid;
  // Only a full recon read judges the levels against the position, and only when no trade of the leg
  // came during the read (the position is read before the trades: a fill in between is in the levels
  // but not in the position). The protection pass never shrinks.
  const settled =
    snap.fills !== undefined && snap.at !== undefined && !snap.fills.some((f) => f.time >= snap.at!);
  if (settled && qty.lessThan(held)) {
    const taken = shrink(grid, l.side, held.minus(qty));
    grid = taken.grid;
    commands.push(...shrinkCancels(s.instanceId, snap.leg, taken.cancels));
    commands.push({
      kind: 'Alert',
      instanceId: s.instanceId,
      severity: 'warning',
      code: 'hedge_position_resynced',
      message: `the ${role} leg's levels held ${held.toFixed()} but the exchange holds ${qty.toFixed()}: the levels were brought down to it`,
      data: { leg: role },
    });
  }
  const position = {
    qty,
    entry: snap.position?.entryPrice ?? ZERO,
    liquidation: snap.position?.liquidationPrice ?? null,
  };
  return {
    state: withLeg(s, role, { ...l, grid, position, positionAt: snap.at ?? now }),
    commands,
  };
}

function bookOf(price: Decimal): Book {
  return { bid: price, ask: price };
}

function protect(
  s0: HedgeGridState,
  snapshots: readonly (LegProtectionSnapshot & { at?: number })[],
  config: HedgeGridConfig,
  now: number,
): { state: HedgeGridState; commands: Command[]; found: FoundStop[] } {
  let s = s0;
  const commands: Command[] = [];
  const found: FoundStop[] = [];
  for (const snap of snapshots) {
    const synced = syncStop(s, snap.leg, config, snap.openOrders);
    s = synced.state;
    commands.push(...synced.commands);
    found.push(...synced.found);
    const adopted = adoptPosition(s, snap, now);
    s = adopted.state;
    commands.push(...adopted.commands);
    const role = snap.leg.role as LegRole;
    const leg = legOf(s, role);
    const flat = leg.position.qty.isZero() && heldBy(leg.grid).isZero();
    if (flat && leg.stopId && (s.paused || s.shutdown)) {
      // Flat and not trading (paused, shut down, flattened): its stop has nothing left to protect.
      commands.push(cancelStop(s.instanceId, role, config, leg.stopId, snap.leg.account, 'the leg is flat'));
      s = withLeg(s, role, { ...leg, stopId: null, stopTrigger: null });
    } else if (s.params) {
      const kept = keepStop(s, role, config, s.params, snap.rules, now, snap.leg.account);
      s = kept.state;
      commands.push(...kept.commands);
    }
  }
  return { state: { ...s, updatedAt: now }, commands, found };
}

// --- parameters ----------------------------------------------------------------------------------------

/**
 * A new parameter version, adopted by both legs in this one decision (never two sets in flight): each leg
 * keeps the levels of the old version that hold coins until their take-profits complete; its resting opens
 * of the old version are cancelled by the next step.
 */
export function adoptParams(s: HedgeGridState, params: ParamsInForce, now: number): HedgeGridState {
  if (s.params && s.params.version >= params.version) return s;
  let next: HedgeGridState = { ...s, params, updatedAt: now };
  for (const [role, l] of legEntries(s))
    next = withLeg(next, role, {
      ...l,
      grid: { ...l.grid, levels: adoptLevels(l.grid.levels, params) },
    });
  return next;
}

// --- the module ----------------------------------------------------------------------------------------

function roleOf(leg: Leg): LegRole {
  return leg.role as LegRole;
}

export const hedgeGridStrategy: StrategyModule<HedgeGridConfig, HedgeGridState> = {
  name: HEDGE_GRID,
  configSchema: hedgeGridConfigSchema,
  legs: hedgeLegs,
  marketChannels: ['bookTop'],
  jobs: ['recon', 'recompute', 'risk'],
  jobIntervalSec: (config, job) =>
    job === 'recon'
      ? config.recon_interval_sec
      : job === 'recompute'
        ? config.recompute_interval_sec
        : config.risk_interval_sec,
  parseState: parseHedgeGridState,
  stateToJson: hedgeGridStateToJson,
  invariants(state, config) {
    const out: string[] = [];
    const version = state.params?.version ?? null;
    for (const leg of hedgeLegs(config)) {
      const l = state.legs[roleOf(leg)];
      if (!l) {
        out.push(`no state for leg ${leg.role}`);
        continue;
      }
      const keys = new Set<number>();
      for (const lv of l.grid.levels) {
        if (keys.has(lv.key)) out.push(`${leg.role}: level ${lv.key} appears twice`);
        keys.add(lv.key);
        if (lv.open && version !== null && lv.version !== version && lv.open.pending !== 'cancel')
          out.push(
            `${leg.role}: an opening order of parameter version ${lv.version} rests under version ${version}`,
          );
        if (lv.close && lv.close.qty.minus(lv.close.filled).greaterThan(lv.held))
          out.push(`${leg.role}: level ${lv.key}'s take-profit is larger than what it holds`);
      }
      if ((l.stopId === null) !== (l.stopTrigger === null))
        out.push(`${leg.role}: a stop id without a trigger or a trigger without a stop`);
    }
    return out;
  },

  onFill(state, fill, leg, config, market, now) {
    const d = applyFill(state, leg, fill, now);
    if (!d) return { state, commands: [], applied: false };
    const decided = decideLeg(
      d.state,
      roleOf(leg),
      config,
      bookOf(market.price),
      market.rules,
      now,
      leg.account,
    );
    return {
      state: { ...decided.state, lastPrice: market.price, updatedAt: now },
      commands: [...d.commands, ...decided.commands],
      applied: true,
    };
  },

  onMarket(state, leg, event, config, now) {
    if (!state.params) return null;
    const bid = event.bid ?? event.tape.bid ?? event.price;
    const ask = event.ask ?? event.tape.ask ?? event.price;
    if (!bid || !ask || !bid.greaterThan(0) || ask.lessThan(bid)) return null;
    const before = legOf(state, leg.role);
    const d = decideLeg(state, roleOf(leg), config, { bid, ask }, event.rules, now, leg.account);
    if (d.commands.length === 0 && legOf(d.state, leg.role) === before) return null;
    return { state: { ...d.state, lastPrice: event.price, updatedAt: now }, commands: d.commands };
  },

  applyOutcome(state, command, outcome, config, now) {
    const id =
      command.kind === 'PlaceOrder' || command.kind === 'PlaceStop' || command.kind === 'ClosePosition'
        ? command.request.clientOrderId
        : command.clientOrderId;
    const entry = legEntries(state).find(([, l]) => findOrder(l.grid, id) !== null || l.stopId === id);
    if (!entry) return { state, commands: [] };
    const [role, l] = entry;
    const account = role === 'long' ? config.accounts.long : (config.accounts.short ?? config.accounts.long);
    let next: HedgeLeg = l;
    let s = state;
    const commands: Command[] = [];
    let failure: string | null = null;
    if (command.kind === 'PlaceOrder') {
      if (outcome.kind === 'placed' || outcome.kind === 'timedOut')
        next = { ...l, grid: confirmed(l.grid, id), rejections: 0 };
      else if (outcome.kind === 'rejected') {
        // Only the venue refusing the leg's orders on their merits fails it: a post-only bounce is the book
        // moving; an order never sent (rate limit, network), or held back by our own pre-trade step, is
        // not the leg's fault (the level is simply tried again).
        const counts = LEG_REFUSALS.has(outcome.reason);
        next = {
          ...l,
          grid: ended(l.grid, id, counts, now),
          rejections: counts ? l.rejections + 1 : l.rejections,
        };
      }
    } else if (command.kind === 'CancelOrder') {
      // Cancelled: over. Unknown to the venue: it filled (its trades may not be in yet) or never was; it
      // stays tracked (its cancel pending) until recon looks its fate up, so a late fill finds its level.
      if (outcome.kind === 'cancelled') next = { ...l, grid: ended(l.grid, id, false, now) };
      // Refused for another reason, or not sent: the order still rests; the next step decides again.
      else if (outcome.kind === 'rejected' && outcome.reason !== 'unknown_order')
        next = { ...l, grid: uncancel(l.grid, id) };
    } else if (
      command.kind === 'PlaceStop' &&
      outcome.kind === 'rejected' &&
      outcome.reason === 'stop_exists'
    ) {
      // One closePosition stop per side stands already (an earlier one of ours): recon adopts it.
      next = { ...l, stopId: null, stopTrigger: null };
    } else if (command.kind === 'PlaceStop' && outcome.kind === 'rejected') {
      next = { ...l, stopId: null, stopTrigger: null, stopRefusedAt: now };
      if (outcome.reason === 'would_trigger' && l.position.qty.greaterThan(0)) {
        // The mark is already past where the stop belongs: the leg closes at market now.
        const seq = s.nextSeq;
        s = { ...s, nextSeq: seq + 1 };
        failure = 'its protective stop would have triggered at once: closed at market';
        commands.push({
          kind: 'ClosePosition',
          instanceId: s.instanceId,
          leg: role,
          reason: `hedge grid ${role}: the protective stop would trigger at once: close at market`,
          request: {
            type: 'market',
            account,
            symbol: config.symbol,
            clientOrderId: closeOrderId(s.instanceId, seq),
            side: closingSide(l.side),
            positionSide: l.side,
            qty: l.position.qty,
          },
        });
      }
    } else if (command.kind === 'PlaceStop' && outcome.kind === 'placed') {
      next = l.stopRefusedAt === null ? l : { ...l, stopRefusedAt: null };
    }
    if (next === l && s === state) return { state, commands };
    s = { ...withLeg(s, role, next), updatedAt: now };
    if (!failure && next.rejections >= config.executor.max_consecutive_rejections)
      failure = `${next.rejections} of its orders were refused in a row`;
    if (failure && !next.failure) {
      const f = legFailed(s, role, failure, now);
      s = f.state;
      commands.push(...f.commands);
    }
    return { state: s, commands };
  },
  // Take-profits are never larger than what their level holds; the stop closes the whole position.
  closeWhatIsHeld: (state) => ({ state, commands: [] }),

  fillCursor: (state, leg) => legOf(state, leg.role).cursor,
  ordersToLookUp: (state, leg, openOrders, _config, now) =>
    vanished(legOf(state, leg.role).grid, openOrders, now),
  planRecon(state, snapshots, config, now): StrategyReconDecision<HedgeGridState> {
    let s: HedgeGridState = state;
    let fillsApplied = 0;
    const commands: Command[] = [];
    for (const snap of snapshots) {
      for (const f of snap.fills) {
        const d = applyFill(s, snap.leg, f, now);
        if (!d) continue;
        s = d.state;
        commands.push(...d.commands);
        fillsApplied += 1;
      }
      const last = snap.fills[snap.fills.length - 1];
      if (last)
        s = withLeg(s, roleOf(snap.leg), {
          ...legOf(s, snap.leg.role),
          cursor: { time: last.time, tradeId: last.tradeId },
        });
      s = settleVanished(s, snap);
      commands.push(...strays(s, snap));
    }
    const p = protect(s, snapshots, config, now);
    s = p.state;
    commands.push(...p.commands);
    for (const snap of snapshots) {
      const d = decideLeg(s, roleOf(snap.leg), config, bookOf(snap.price), snap.rules, now, snap.leg.account);
      s = d.state;
      commands.push(...d.commands);
    }
    return {
      state: { ...s, lastPrice: snapshots[0]?.price ?? state.lastPrice, updatedAt: now },
      commands,
      fillsApplied,
      stopsFound: p.found,
    };
  },
  planProtection(state, snapshots, config, now) {
    const p = protect(state, snapshots, config, now);
    return { state: p.state, commands: p.commands, stopsFound: p.found };
  },

  pause: (state, reason, now) => ({ ...state, paused: true, pauseReason: reason, updatedAt: now }),
  // A resume is the operator's word that both legs may run again: failures and a shutdown are cleared.
  resume: (state, now) => ({
    ...state,
    paused: false,
    pauseReason: null,
    shutdown: null,
    // The operator's word starts a new run: drawdown counts from the equity now, not the old peak.
    risk: { ...state.risk, peakEquity: null },
    activeAlerts: state.activeAlerts.filter((a) => a !== LEG_FAILED),
    legs: Object.fromEntries(
      legEntries(state).map(([role, l]) => [role, { ...l, failure: null, rejections: 0 }]),
    ),
    updatedAt: now,
  }),
  planFlattenOrders(state, snapshots, config, now) {
    let s: HedgeGridState = { ...state, paused: true, pauseReason: 'flatten', updatedAt: now };
    const commands: Command[] = [];
    for (const snap of snapshots) {
      const role = roleOf(snap.leg);
      let grid = legOf(s, role).grid;
      for (const lv of grid.levels)
        for (const o of [lv.open, lv.close]) {
          if (!o || o.pending === 'cancel') continue;
          const intent: LegIntent = { kind: 'cancel', key: lv.key, id: o.id, reason: 'flatten' };
          commands.push(
            intentCommand(
              s.instanceId,
              role,
              legOf(s, role),
              config,
              s.params,
              intent,
              o.id,
              snap.leg.account,
              null,
            ),
          );
          grid = sent(grid, intent, o.id, now);
        }
      s = withLeg(s, role, { ...legOf(s, role), grid });
    }
    return { state: s, commands };
  },
  planFlattenPositions(state, snapshots, _config, now) {
    let s: HedgeGridState = { ...state, updatedAt: now };
    const commands: Command[] = [];
    for (const snap of snapshots) {
      const held = snap.position?.qty.abs() ?? ZERO;
      if (!held.greaterThan(0)) continue;
      const seq = s.nextSeq;
      s = { ...s, nextSeq: seq + 1 };
      const side = snap.leg.positionSide === 'SHORT' ? 'SHORT' : 'LONG';
      commands.push({
        kind: 'ClosePosition',
        instanceId: s.instanceId,
        leg: snap.leg.role,
        request: {
          type: 'market',
          account: snap.leg.account,
          symbol: snap.leg.symbol,
          clientOrderId: closeOrderId(s.instanceId, seq),
          side: closingSide(side),
          positionSide: side,
          qty: held,
        },
        reason: 'flatten',
      });
    }
    return { state: s, commands };
  },

  ledger(state) {
    let realized = ZERO;
    const legs: Record<string, { qty: Decimal; avgEntry: Decimal }> = {};
    for (const [role, l] of legEntries(state)) {
      realized = realized.plus(l.stats.realized).minus(l.stats.fees);
      legs[role] = { qty: signedQty(l), avgEntry: l.position.entry };
    }
    return { holdings: netPosition(state), avgEntry: ZERO, realizedPnl: realized, legs };
  },
  levelPrice(state, level) {
    if (level === null) return undefined;
    for (const [, l] of legEntries(state)) {
      const lv = l.grid.levels.find((x) => x.key === level);
      if (lv) return lv.price.toFixed();
    }
    return undefined;
  },
  openOrderCount: (state) => hedgeSlots(state).length,
  orderSlots: hedgeSlots,
  protectsHoldings: () => true,
  status: (config, state) => hedgeStatus(config, state),
  monitoring: (config) => ({
    riskBreach: { onBreach: Object.values(config.risk.actions).includes('emergency') ? 'flatten' : 'pause' },
    heartbeatMaxAgeSec: 60,
  }),
  simulation: {
    historyNeededMs: (config) => (config.grid.candles + 1) * timeframeMs(config.grid.timeframe),
    openingPrice: () => null,
    chartLevels: (state) => state.params?.levelPrices ?? [],
    eventChecks: (config) => ({
      hedge: {
        legs: Object.fromEntries(hedgeLegs(config).map((l) => [l.role, l.positionSide as 'LONG' | 'SHORT'])),
      },
    }),
    report: (config, state) => hedgeReport(config, state),
  },
};
