/**
 * The reduce-only closer's engine (SPEC §4, seed 001), one `symbol + positionSide` at a time, pure: it works
 * a position down in small slices, maker first, and answers the market, its order's outcomes and the
 * position's risk. The closer strategy (`strategies/closer`) and the flatten runner (`application/flatten-runner.ts`) drive it (issue 16); nothing here does I/O.
 *
 * Entry points: `signalOf`, `sliceQty`, `closePrice`, `panicTier`, `protectiveStopTrigger`, `keepStop`, and
 * the state machine `onMarket` / `onPlaced` / `onRejected` / `onFill` / `onCancelled`.
 *
 * A LONG is closed by sells, a SHORT by buys. Per side:
 *  - Signals (LONG; SHORT mirrored): `last > prev and bid ≥ last` (primary) or `bid ≥ last and bid > prev`
 *    (bid improve), at most one per `min_signal_interval_ms`, never on book or trade data older than
 *    `stale_ms` (the mark price does not count as fresh data).
 *  - States `IDLE → PLACING → WAITING → CANCELING → COOLDOWN → IDLE`; an order lives `order_ttl_ms`, then is
 *    cancelled; after any order ends, `cooldown_ms` passes before the next.
 *  - Modes: `MAKER_ONLY` (post-only GTX one tick inside the spread, clamped to stay maker) and
 *    `AGGRESSIVE_LIMIT` (GTC at the touch). `maker_timeouts_to_escalate` maker timeouts in a row → aggressive;
 *    `aggr_fills_to_deescalate` aggressive fills or `aggr_timeouts_to_deescalate` aggressive timeouts →
 *    maker; a post-only rejection retries once aggressively. A partial fill counts as a fill.
 *  - Size: `min_qty × base_mult × roi_mult × accel_mult`, capped by `max_mult` (× min_qty),
 *    `max_order_notional` and the position, on the quantity step.
 *  - Risk: `dist_to_liq = |mark − liq| / mark`. Under `liq_distance_threshold` every order goes aggressive.
 *    Inside a `panic_close` tier, slices of `slice_ratio` of the position go out regardless of signals,
 *    throttle and staleness, with `ttl_percent` of the TTL. The protective stop sits at `liq / (1 − D)` for
 *    a LONG and `liq / (1 + D)` for a SHORT (while liquidation is within `MAX_STOP_DISTANCE` of the mark),
 *    and only ever tightens.
 *
 * Invariants (property-tested): never more than the position in the open order; never an order and a cancel
 * in flight at once on a side (one order at a time); never an order on stale data but in a panic tier; the
 * protective stop only tightens.
 */

import type { CancelOrder, PlaceOrder } from '../commands.js';
import type { MarketView } from '../market-tape.js';
import { ceilTo, type Decimal, dec, floorTo, maxDec, minDec, ONE, ZERO } from '../money.js';
import type { Position } from '../orders.js';
import { closingSideOf } from '../orders.js';
import { contractsToCoins, type SymbolRules } from '../symbol-rules.js';

export type { MarketView };

export type CloseSide = 'LONG' | 'SHORT';

/** The protective stop is kept only while liquidation is within this fraction of the mark. */
export const MAX_STOP_DISTANCE = dec('0.5');
export type ExecMode = 'MAKER_ONLY' | 'AGGRESSIVE_LIMIT';
export type ExecState = 'IDLE' | 'PLACING' | 'WAITING' | 'CANCELING' | 'COOLDOWN';
export type SignalReason = 'long_primary' | 'long_bid_improve' | 'short_primary' | 'short_ask_improve';

export interface Tier {
  /** The threshold (a return, an ROI) at or above which the multiplier applies. */
  readonly at: Decimal;
  readonly mult: Decimal;
}

export interface PanicTier {
  /** The tier applies while the distance to liquidation is at or under this fraction. */
  readonly dist: Decimal;
  /** Each forced slice closes this fraction of the position. */
  readonly sliceRatio: Decimal;
  /** Its orders live this fraction of `orderTtlMs`. */
  readonly ttlPercent: Decimal;
}

/** One side's parameters, the global defaults merged with the symbol's overrides. */
export interface CloserParams {
  readonly orderTtlMs: number;
  readonly cooldownMs: number;
  readonly minSignalIntervalMs: number;
  readonly staleMs: number;
  readonly makerTimeoutsToEscalate: number;
  readonly aggrFillsToDeescalate: number;
  readonly aggrTimeoutsToDeescalate: number;
  readonly baseMult: Decimal;
  readonly maxMult: Decimal;
  /** Largest notional of one slice (quote currency); null: none. */
  readonly maxOrderNotional: Decimal | null;
  readonly accelWindowMs: number;
  /** On the return over the accel window in the closing direction; the highest tier met applies. */
  readonly accelTiers: readonly Tier[];
  /** On the margin ROI `uPnL / (|qty| × entry / leverage)`; the highest tier met applies. */
  readonly roiTiers: readonly Tier[];
  readonly liqDistanceThreshold: Decimal;
  readonly panicTiers: readonly PanicTier[];
  /** D of the protective stop; null: no protective stop. */
  readonly stopDistance: Decimal | null;
}

/** The position on the side, as the exchange reports it (qty ≥ 0, the side says which way). */
export interface SidePosition {
  readonly qty: Decimal;
  readonly entry: Decimal;
  readonly leverage: Decimal;
  readonly liquidation: Decimal | null;
}

export interface LiveOrder {
  readonly clientOrderId: string;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly filled: Decimal;
  readonly placedAt: number;
  readonly ttlMs: number;
  readonly mode: ExecMode;
  /** A risk order (panic tier, forced aggressive): bypasses the soft rate limits. */
  readonly risk: boolean;
}

export interface SideExec {
  readonly side: CloseSide;
  readonly state: ExecState;
  readonly since: number;
  readonly mode: ExecMode;
  readonly order: LiveOrder | null;
  readonly makerTimeouts: number;
  readonly aggrTimeouts: number;
  readonly aggrFills: number;
  /** The next order goes aggressive once (after a post-only rejection). */
  readonly aggressiveOnce: boolean;
  readonly lastSignalAt: number | null;
  readonly seq: number;
  /** The protective stop's trigger in force (null: none placed). */
  readonly stopTrigger: Decimal | null;
}

export type CloseIntent =
  | {
      readonly kind: 'place';
      readonly clientOrderId: string;
      readonly side: 'buy' | 'sell';
      readonly positionSide: CloseSide;
      readonly price: Decimal;
      readonly qty: Decimal;
      readonly timeInForce: 'GTX' | 'GTC';
      readonly risk: boolean;
      readonly reason: string;
    }
  | {
      readonly kind: 'cancel';
      readonly clientOrderId: string;
      readonly risk: boolean;
      readonly reason: string;
    }
  | { readonly kind: 'stop'; readonly triggerPrice: Decimal; readonly reason: string }
  | { readonly kind: 'cancel_stop'; readonly reason: string };

export interface Step {
  readonly exec: SideExec;
  readonly intents: readonly CloseIntent[];
}

export { closingSideOf };

/**
 * The exchange's position as the engine reads a side (size without sign, no liquidation price when the
 * venue gives none); `leverage` stands in when the venue does not report one.
 */
export function sidePositionOf(p: Position, leverage: Decimal): SidePosition {
  return {
    qty: p.qty.abs(),
    entry: p.entryPrice,
    leverage: p.leverage?.greaterThan(0) ? p.leverage : leverage,
    liquidation: p.liquidationPrice?.greaterThan(0) ? p.liquidationPrice : null,
  };
}

export function initialSide(side: CloseSide, now: number): SideExec {
  return {
    side,
    state: 'IDLE',
    since: now,
    mode: 'MAKER_ONLY',
    order: null,
    makerTimeouts: 0,
    aggrTimeouts: 0,
    aggrFills: 0,
    aggressiveOnce: false,
    lastSignalAt: null,
    seq: 0,
    stopTrigger: null,
  };
}

/** The closing signal on the market now (null: none). */
export function signalOf(side: CloseSide, m: MarketView): SignalReason | null {
  const { bid, ask, prev, last } = m;
  if (!prev || !last) return null;
  if (side === 'LONG') {
    if (!bid) return null;
    if (last.greaterThan(prev) && bid.greaterThanOrEqualTo(last)) return 'long_primary';
    if (bid.greaterThanOrEqualTo(last) && bid.greaterThan(prev)) return 'long_bid_improve';
    return null;
  }
  if (!ask) return null;
  if (last.lessThan(prev) && ask.lessThanOrEqualTo(last)) return 'short_primary';
  if (ask.lessThanOrEqualTo(last) && ask.lessThan(prev)) return 'short_ask_improve';
  return null;
}

/** Book and trades both fresh (the mark price does not count). */
export function isFresh(m: MarketView, now: number, staleMs: number): boolean {
  return m.bookAt !== null && m.tradeAt !== null && now - m.bookAt <= staleMs && now - m.tradeAt <= staleMs;
}

function highestTier(tiers: readonly Tier[], value: Decimal | null): Decimal {
  let mult = ONE;
  let best: Decimal | null = null;
  if (!value) return mult;
  for (const t of tiers)
    if (value.greaterThanOrEqualTo(t.at) && (best === null || t.at.greaterThan(best))) {
      best = t.at;
      mult = t.mult;
    }
  return mult;
}

/** Margin ROI of the position at `price`: uPnL over its initial margin. */
export function marginRoi(side: CloseSide, pos: SidePosition, price: Decimal): Decimal | null {
  if (!pos.qty.greaterThan(0) || !pos.entry.greaterThan(0) || !pos.leverage.greaterThan(0)) return null;
  const pnl = side === 'LONG' ? price.minus(pos.entry).times(pos.qty) : pos.entry.minus(price).times(pos.qty);
  return pnl.dividedBy(pos.qty.times(pos.entry).dividedBy(pos.leverage));
}

/** The return over the accel window in the closing direction (up for a LONG, down for a SHORT). */
export function windowReturn(side: CloseSide, m: MarketView): Decimal | null {
  if (!m.windowStart?.greaterThan(0) || !m.last) return null;
  const ret = m.last.minus(m.windowStart).dividedBy(m.windowStart);
  return side === 'LONG' ? ret : ret.negated();
}

/**
 * A signal slice: `min_qty × base × roi_mult × accel_mult`, at most `max_mult × min_qty`, the notional cap
 * and the position, floored to the step. Zero when under the exchange minimum (nothing to send).
 */
export function sliceQty(
  p: CloserParams,
  rules: SymbolRules,
  side: CloseSide,
  pos: SidePosition,
  m: MarketView,
  price: Decimal,
): Decimal {
  const roi = marginRoi(side, pos, m.mark ?? price);
  const mult = minDec(
    p.baseMult.times(highestTier(p.roiTiers, roi)).times(highestTier(p.accelTiers, windowReturn(side, m))),
    p.maxMult,
  );
  return capped(p, rules, pos, price, contractsToCoins(rules.minQty, rules).times(mult));
}

function capped(
  p: CloserParams,
  rules: SymbolRules,
  pos: SidePosition,
  price: Decimal,
  want: Decimal,
): Decimal {
  let qty = minDec(want, pos.qty);
  if (p.maxOrderNotional && price.greaterThan(0)) qty = minDec(qty, p.maxOrderNotional.dividedBy(price));
  // Rules count contracts (OKX: 0.01 BTC each); the closer counts coins.
  const step = contractsToCoins(rules.stepSize, rules);
  const min = contractsToCoins(rules.minQty, rules);
  qty = floorTo(qty, step);
  // The last bit of a position under the minimum goes whole (the venue takes a closing remainder).
  if (qty.lessThan(min)) return pos.qty.lessThan(min) ? floorTo(pos.qty, step) : ZERO;
  return qty;
}

/** Where a closing order of `mode` sits: maker one tick inside the spread (never crossing), or at the touch. */
export function closePrice(
  side: CloseSide,
  mode: ExecMode,
  m: MarketView,
  rules: SymbolRules,
): Decimal | null {
  const { bid, ask } = m;
  if (!bid || !ask || !bid.greaterThan(0) || ask.lessThan(bid)) return null;
  const tick = rules.tickSize;
  if (side === 'LONG') {
    // Sell: maker just under the ask, but above the bid so it rests.
    if (mode === 'AGGRESSIVE_LIMIT') return bid;
    return maxDec(ask.minus(tick), bid.plus(tick));
  }
  if (mode === 'AGGRESSIVE_LIMIT') return ask;
  return minDec(bid.plus(tick), ask.minus(tick));
}

export function distToLiq(pos: SidePosition, mark: Decimal | null): Decimal | null {
  if (!pos.liquidation?.greaterThan(0) || !mark?.greaterThan(0)) return null;
  return mark.minus(pos.liquidation).abs().dividedBy(mark);
}

/** The panic tier the distance to liquidation falls in (the tightest one met), null: none. */
export function panicTier(p: CloserParams, dist: Decimal | null): PanicTier | null {
  if (!dist) return null;
  let tier: PanicTier | null = null;
  for (const t of p.panicTiers)
    if (dist.lessThanOrEqualTo(t.dist) && (tier === null || t.dist.lessThan(tier.dist))) tier = t;
  return tier;
}

/** An emergency's slices when no panic tier is configured. */
const EMERGENCY_TIER: PanicTier = { dist: ZERO, sliceRatio: dec('0.1'), ttlPercent: dec('0.25') };

/**
 * The tier an emergency flatten slices by: the tightest configured one (the largest slice), as a fraction
 * of the position at the start, not of what is left (a tail of ever smaller slices would take as long as
 * the whole).
 */
export function emergencyTier(p: CloserParams, start: Decimal | null, now: Decimal): PanicTier {
  let tier: PanicTier | null = null;
  for (const t of p.panicTiers) if (!tier || t.sliceRatio.greaterThan(tier.sliceRatio)) tier = t;
  const base = tier ?? EMERGENCY_TIER;
  if (!start || !now.greaterThan(0) || !start.greaterThan(now)) return base;
  const ratio = base.sliceRatio.times(start).dividedBy(now);
  return { ...base, sliceRatio: ratio.greaterThan(ONE) ? ONE : ratio };
}

/** The protective stop's trigger for the position now (null: none wanted). */
export function protectiveStopTrigger(
  p: CloserParams,
  side: CloseSide,
  pos: SidePosition,
  rules: SymbolRules,
): Decimal | null {
  if (!p.stopDistance || !pos.qty.greaterThan(0) || !pos.liquidation?.greaterThan(0)) return null;
  const raw =
    side === 'LONG'
      ? pos.liquidation.dividedBy(ONE.minus(p.stopDistance))
      : pos.liquidation.dividedBy(ONE.plus(p.stopDistance));
  // On the tick, on the safe side: a LONG's stop rounds up (further from liquidation), a SHORT's down.
  return side === 'LONG' ? ceilTo(raw, rules.tickSize) : floorTo(raw, rules.tickSize);
}

function tightens(side: CloseSide, from: Decimal | null, to: Decimal): boolean {
  if (from === null) return true;
  return side === 'LONG' ? to.greaterThan(from) : to.lessThan(from);
}

/**
 * The protective stop alone: placed when there is a position whose liquidation price is known, only ever
 * tightened, cancelled when flat. What recon keeps when no market data reaches us (the worker is down).
 */
export function keepStop(
  e: SideExec,
  p: CloserParams,
  rules: SymbolRules,
  pos: SidePosition,
  mark: Decimal | null,
): Step {
  // A liquidation price further than `MAX_STOP_DISTANCE` from the mark (a well-margined position) needs
  // no guard yet, and a stop there would be outside the venue's price filters.
  const dist = distToLiq(pos, mark);
  const trigger = dist?.lessThanOrEqualTo(MAX_STOP_DISTANCE)
    ? protectiveStopTrigger(p, e.side, pos, rules)
    : null;
  if (trigger && tightens(e.side, e.stopTrigger, trigger))
    return {
      exec: { ...e, stopTrigger: trigger },
      intents: [
        {
          kind: 'stop',
          triggerPrice: trigger,
          reason: `protect at ${trigger.toFixed()} (liquidation ${pos.liquidation?.toFixed()})`,
        },
      ],
    };
  if (!pos.qty.greaterThan(0) && e.stopTrigger !== null)
    return {
      exec: { ...e, stopTrigger: null },
      intents: [{ kind: 'cancel_stop', reason: 'the position is flat' }],
    };
  return { exec: e, intents: [] };
}

/**
 * The market moved (book, trade or mark), or time passed: keep the protective stop, expire an order past
 * its TTL (or one whose placement or cancel never came back), leave cooldown, and place the next slice
 * when a signal (or a panic tier) calls for one. `orderId` is the client id a new slice takes; `urgent`,
 * when given, is a panic tier that applies whatever the distance to liquidation (an emergency flatten:
 * aggressive from the first slice).
 */
export function onMarket(
  e: SideExec,
  p: CloserParams,
  rules: SymbolRules,
  pos: SidePosition,
  m: MarketView,
  now: number,
  orderId: string,
  urgent: PanicTier | null = null,
): Step {
  const kept = keepStop(e, p, rules, pos, m.mark);
  const intents: CloseIntent[] = [...kept.intents];
  let x = kept.exec;
  const dist = distToLiq(pos, m.mark);
  const fromDist = panicTier(p, dist);
  const forced = urgent !== null && (!fromDist || urgent.sliceRatio.greaterThan(fromDist.sliceRatio));
  const panic = forced ? urgent : fromDist;
  // Past its TTL (or a placement whose answer never came): cancel. A cancel unanswered as long: again.
  const expired =
    x.order &&
    (((x.state === 'WAITING' || x.state === 'PLACING') && now - x.order.placedAt >= x.order.ttlMs) ||
      (x.state === 'CANCELING' && now - x.since >= x.order.ttlMs));
  if (expired && x.order) {
    intents.push({
      kind: 'cancel',
      clientOrderId: x.order.clientOrderId,
      risk: x.order.risk,
      reason: x.state === 'CANCELING' ? 'cancel unanswered: again' : 'order TTL',
    });
    return { exec: { ...x, state: 'CANCELING', since: now }, intents };
  }
  if (x.state === 'COOLDOWN' && now - x.since >= p.cooldownMs) x = { ...x, state: 'IDLE', since: now };
  if (x.state !== 'IDLE' || !pos.qty.greaterThan(0)) return { exec: x, intents };

  const fresh = isFresh(m, now, p.staleMs);
  let reason: string;
  if (forced) reason = 'emergency flatten';
  else if (panic) reason = `panic: ${dist?.times(100).toDecimalPlaces(2).toFixed()}% to liquidation`;
  else {
    if (!fresh) return { exec: x, intents };
    if (x.lastSignalAt !== null && now - x.lastSignalAt < p.minSignalIntervalMs) return { exec: x, intents };
    const signal = signalOf(x.side, m);
    if (!signal) return { exec: x, intents };
    reason = signal;
  }
  const nearLiq = dist?.lessThan(p.liqDistanceThreshold) === true;
  // An emergency flatten takes at the touch from the first slice (a distance-based panic tier starts as
  // the seed does, in the side's mode, and escalates on timeouts).
  const mode: ExecMode = x.aggressiveOnce || nearLiq || urgent !== null ? 'AGGRESSIVE_LIMIT' : x.mode;
  const price = closePrice(x.side, mode, m, rules);
  if (!price) return { exec: x, intents };
  const qty = panic
    ? capped(p, rules, pos, price, pos.qty.times(panic.sliceRatio))
    : sliceQty(p, rules, x.side, pos, m, price);
  if (!qty.greaterThan(0)) return { exec: x, intents };
  const seq = x.seq + 1;
  const order: LiveOrder = {
    clientOrderId: orderId,
    price,
    qty,
    filled: ZERO,
    placedAt: now,
    ttlMs: panic ? Math.max(1, Math.round(p.orderTtlMs * Number(panic.ttlPercent))) : p.orderTtlMs,
    mode,
    risk: panic !== null || nearLiq,
  };
  intents.push({
    kind: 'place',
    clientOrderId: order.clientOrderId,
    side: closingSideOf(x.side),
    positionSide: x.side,
    price,
    qty,
    timeInForce: mode === 'MAKER_ONLY' ? 'GTX' : 'GTC',
    risk: order.risk,
    reason,
  });
  return {
    exec: {
      ...x,
      state: 'PLACING',
      since: now,
      order,
      seq,
      aggressiveOnce: false,
      lastSignalAt: panic ? x.lastSignalAt : now,
    },
    intents,
  };
}

function ours(e: SideExec, clientOrderId: string): boolean {
  return e.order?.clientOrderId === clientOrderId;
}

export function onPlaced(e: SideExec, clientOrderId: string, now: number): SideExec {
  if (!ours(e, clientOrderId) || e.state !== 'PLACING') return e;
  return { ...e, state: 'WAITING', since: now };
}

/** The venue refused the order: a post-only one that would have taken retries once aggressively. */
export function onRejected(e: SideExec, clientOrderId: string, wouldTake: boolean, now: number): SideExec {
  if (!ours(e, clientOrderId)) return e;
  const retry = wouldTake && e.order?.mode === 'MAKER_ONLY';
  return { ...e, state: retry ? 'IDLE' : 'COOLDOWN', since: now, order: null, aggressiveOnce: retry };
}

/** A fill of our order (partial or full): any fill resets the timeout counts; aggressive fills count down to maker. */
export function onFill(
  e: SideExec,
  p: CloserParams,
  clientOrderId: string,
  qty: Decimal,
  now: number,
): SideExec {
  if (!ours(e, clientOrderId) || !e.order) return e;
  const order = { ...e.order, filled: e.order.filled.plus(qty) };
  const aggressive = order.mode === 'AGGRESSIVE_LIMIT';
  const aggrFills = aggressive ? e.aggrFills + 1 : e.aggrFills;
  const back = aggressive && aggrFills >= p.aggrFillsToDeescalate;
  const base: SideExec = {
    ...e,
    makerTimeouts: 0,
    aggrTimeouts: 0,
    aggrFills: back ? 0 : aggrFills,
    mode: back ? 'MAKER_ONLY' : e.mode,
  };
  if (order.filled.lessThan(order.qty)) return { ...base, order };
  // Done: a cancel in flight for it has nothing left to cancel.
  return { ...base, state: 'COOLDOWN', since: now, order: null };
}

/** The order is gone (our TTL cancel, or the venue expired it): timeouts rotate the mode. */
export function onCancelled(e: SideExec, p: CloserParams, clientOrderId: string, now: number): SideExec {
  if (!ours(e, clientOrderId) || !e.order) return e;
  const timedOut = e.order.filled.isZero();
  let { mode, makerTimeouts, aggrTimeouts } = e;
  if (timedOut && e.order.mode === 'MAKER_ONLY') {
    makerTimeouts += 1;
    if (makerTimeouts >= p.makerTimeoutsToEscalate) {
      mode = 'AGGRESSIVE_LIMIT';
      makerTimeouts = 0;
    }
  } else if (timedOut) {
    aggrTimeouts += 1;
    if (aggrTimeouts >= p.aggrTimeoutsToDeescalate) {
      mode = 'MAKER_ONLY';
      aggrTimeouts = 0;
    }
  }
  return { ...e, state: 'COOLDOWN', since: now, order: null, mode, makerTimeouts, aggrTimeouts };
}

/**
 * A slice or its cancel as the order command the pipeline carries out, on an account and symbol, for an
 * instance (the closer strategy's and the flatten runner's one implementation). A slice is a limit order on
 * the position side, never `reduceOnly` (Binance hedge mode refuses it with a position side); a risk slice
 * says so (`risk`: never held back by a pre-trade check). Stop intents are not slices: null.
 */
export function sliceCommand(
  instanceId: string,
  where: { readonly account: string; readonly symbol: string },
  i: CloseIntent,
  reasonPrefix: string,
): PlaceOrder | CancelOrder | null {
  if (i.kind === 'place')
    return {
      kind: 'PlaceOrder',
      instanceId,
      level: 0,
      reason: `${reasonPrefix}${i.reason}`,
      ...(i.risk ? { risk: true } : {}),
      request: {
        type: 'limit',
        account: where.account,
        symbol: where.symbol,
        clientOrderId: i.clientOrderId,
        side: i.side,
        positionSide: i.positionSide,
        price: i.price,
        qty: i.qty,
        timeInForce: i.timeInForce,
      },
    };
  if (i.kind === 'cancel')
    return {
      kind: 'CancelOrder',
      instanceId,
      account: where.account,
      symbol: where.symbol,
      clientOrderId: i.clientOrderId,
      level: 0,
      reason: `${reasonPrefix}${i.reason}`,
    };
  return null;
}
