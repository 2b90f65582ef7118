/**
 * Hedge pairs as a strategy (`strategy: hedge_pairs`, SPEC §5, seed 004): pairs of accounts on one market,
 * each pair holding equal and opposite positions of `notional_usd` per leg, behind the strategy seam.
 * One leg per account (role = the account id; the first account of a pair is long, the second short).
 *
 *  - Opening: both legs at once, as IOC limit orders `max_slippage_pct` through the price. A pair opens
 *    only when both legs were read flat, nothing of it is in flight, it is not backing off and the instance
 *    is not paused.
 *  - A leg that holds more than its partner (one IOC filled, the other did not; a stop fired; a hand
 *    trade) is settled in every state but `closing`: after `partial_fill.after_sec` (at once when its
 *    partner's order was refused), `unwind` closes the excess at market (protective close) and `hedge`
 *    tops the partner up, `hedge_attempts` times, then unwinds. An open pair whose legs drift apart is
 *    closed through the closer.
 *  - Every leg holding coins keeps an exchange-side stop (`STOP_MARKET closePosition`, mark price)
 *    `protective_stop_pct` from its entry, placed in the decision that saw the fill, checked every pass.
 *  - The pair stop: the combined unrealized PnL below `−stop_loss_threshold` hands both legs to the closer
 *    (`FlattenLegs`), on every mark price the worker sees and on every recon pass; flat again, the pair is
 *    `stopped`. A rotation does the same after `hold_minutes` and reopens (shuffled when asked, once every
 *    pair is flat).
 *  - Errors: a refused or failed order of a pair counts against that pair only. Recoverable ones (network,
 *    rate limit, 5xx, an unknown outcome) back off exponentially; severe ones (credentials, margin, the
 *    venue's filters, one-way mode) stop the pair, its legs protected. An account recon cannot read stops
 *    its pair the same way (credentials) or backs it off; the other pairs go on.
 *  - At start each pair is judged once: one whose accounts hold a position, or cannot be read, is skipped
 *    with the reason, and left alone.
 */
import {
  closeOrderId,
  decodeClientOrderId,
  levelOrderId,
  protectiveStopOrderId,
} from '../../client-order-id.js';
import type { Alert, Command, OrderCommand } from '../../commands.js';
import { reconcileLegStop } from '../../guards/protective-stop.js';
import { type Decimal, dec, ZERO } from '../../money.js';
import { closingSideOf, type Fill, isLiquidationFill, openingSideOf } from '../../orders.js';
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
import { contractsToCoins, roundPrice, type SymbolRules } from '../../symbol-rules.js';
import { HEDGE_PAIRS, type HedgePairsConfig, hedgePairsConfigSchema } from './config.js';
import { backoffMs, imbalance, pairSize, pastStopLoss, shufflePairs } from './pairs.js';
import {
  type HedgePairsState,
  hedgePairsStateToJson,
  initialPair,
  initialPairLeg,
  type Pair,
  type PairLeg,
  type PairStatus,
  pairSlots,
  parseHedgePairsState,
} from './state.js';
import { hedgePairsReport, hedgePairsStatus } from './status.js';

/** Trade ids kept per leg for dedupe (bounded: every leg of every pair rides in one stored item). */
const RECENT_TRADES = 60;
/** An IOC's fills arrive within this of its acknowledgement; after it recon's position read is the truth. */
const IOC_SETTLE_MS = 5_000;
/** A placement whose outcome never came back is looked up by recon after this. */
const IN_FLIGHT_MS = 10_000;
const STOP_RETRY_MS = 5_000;
/** Refusals of a leg's stop in a row after which its pair is closed (never left holding without one). */
const MAX_STOP_REFUSALS = 3;
/** A pair still holding this long after its hand-over to the closer is handed over again. */
const HAND_OVER_AGAIN_MS = 5 * 60_000;
/** Order statuses that say an order is over (nothing more of it will fill). */
const FINAL = new Set(['FILLED', 'EXPIRED', 'CANCELED', 'REJECTED']);
const FLATTEN_PAUSE = 'flatten';
/** Refusals that stop a pair: retrying cannot help until a human acts. */
const SEVERE = new Set(['fatal', 'insufficient_margin', 'filter', 'position_mismatch']);

export function hedgePairLegs(config: HedgePairsConfig): Leg[] {
  return config.pairs.flatMap((p) => [
    { role: p.long, account: p.long, symbol: config.symbol, positionSide: 'LONG' as const },
    { role: p.short, account: p.short, symbol: config.symbol, positionSide: 'SHORT' as const },
  ]);
}

export function initialHedgePairsState(config: HedgePairsConfig, now: number): HedgePairsState {
  return {
    ...freshEnvelope(HEDGE_PAIRS, config.id, now),
    nextSeq: 1,
    legs: Object.fromEntries(
      config.pairs.flatMap((p) => [
        [p.long, initialPairLeg('LONG')],
        [p.short, initialPairLeg('SHORT')],
      ]),
    ),
    pairs: config.pairs.map((p) => initialPair(p.long, p.short, now)),
    shuffles: 0,
  };
}

// --- small helpers ---------------------------------------------------------------------------------------

/**
 * The state with what the config adds since it was written: a new pair (both accounts new) is judged like
 * one at start. A pair the config no longer lists keeps its state (its positions are not forgotten; its
 * legs are no longer read: the README says to close them first).
 */
export function withConfig(s: HedgePairsState, config: HedgePairsConfig, now: number): HedgePairsState {
  const known = new Set(s.pairs.flatMap((p) => [p.long, p.short]));
  const added = config.pairs.filter((p) => !known.has(p.long) && !known.has(p.short));
  const missing = config.pairs.flatMap((p) => [
    ...(s.legs[p.long] ? [] : [[p.long, initialPairLeg('LONG')] as const]),
    ...(s.legs[p.short] ? [] : [[p.short, initialPairLeg('SHORT')] as const]),
  ]);
  if (added.length === 0 && missing.length === 0) return s;
  return {
    ...s,
    legs: { ...s.legs, ...Object.fromEntries(missing) },
    pairs: [...s.pairs, ...added.map((p) => initialPair(p.long, p.short, now))],
  };
}

function legOf(s: HedgePairsState, role: string): PairLeg {
  const l = s.legs[role];
  if (!l) throw new Error(`hedge pairs ${s.instanceId} has no leg ${role}`);
  return l;
}

function withLeg(s: HedgePairsState, role: string, l: PairLeg): HedgePairsState {
  return l === s.legs[role] ? s : { ...s, legs: { ...s.legs, [role]: l } };
}

function withPair(s: HedgePairsState, i: number, p: Pair): HedgePairsState {
  if (p === s.pairs[i]) return s;
  const pairs = [...s.pairs];
  pairs[i] = p;
  return { ...s, pairs };
}

const pairIndexOf = (s: HedgePairsState, role: string) =>
  s.pairs.findIndex((p) => p.long === role || p.short === role);

const label = (i: number) => `pair ${i + 1}`;

function alert(s: HedgePairsState, severity: Alert['severity'], code: string, message: string): Alert {
  return { kind: 'Alert', instanceId: s.instanceId, severity, code, message };
}

/** What a decision knows of the market besides the state. */
interface View {
  readonly price: Decimal;
  readonly mark: Decimal;
  readonly rules: SymbolRules;
  /** Recon's pass: the exchange's word on every readable leg (stops are cancelled only on it). */
  readonly recon: boolean;
}

interface Turned {
  state: HedgePairsState;
  readonly commands: Command[];
}

const stepCoins = (rules: SymbolRules) => contractsToCoins(rules.stepSize, rules);

// --- fills ---------------------------------------------------------------------------------------------

function isApplied(l: PairLeg, fill: Fill): boolean {
  if (l.trades.some((t) => t.id === fill.tradeId)) return true;
  return l.cursor !== null && fill.time < l.cursor.time;
}

/** A fill on a leg (ours, a stop's, the closer's, a hand trade, a liquidation). Null: already applied. */
function applyFill(s: HedgePairsState, leg: Leg, fill: Fill, t: Turned, now: number): boolean {
  const i = pairIndexOf(t.state, leg.role);
  const pair = t.state.pairs[i];
  if (!pair || !t.state.legs[leg.role]) return false;
  const l = legOf(t.state, leg.role);
  if (isApplied(l, fill)) return false;
  const trades = [...l.trades, { id: fill.tradeId, time: fill.time }].slice(-RECENT_TRADES);
  // A pair never judged or skipped is not ours to count: its trades only move the cursor.
  if (pair.status === 'new' || pair.status === 'skipped') {
    t.state = withLeg(t.state, leg.role, { ...l, trades });
    return false;
  }
  const adds = fill.side === openingSideOf(l.side);
  const decoded = decodeClientOrderId(fill.clientOrderId);
  const ours = decoded?.instanceId === s.instanceId;
  let qty = l.qty;
  let entry = l.entry;
  let realized = l.realized;
  if (adds) {
    const total = l.qty.plus(fill.qty);
    entry = total.greaterThan(0)
      ? l.entry.times(l.qty).plus(fill.price.times(fill.qty)).dividedBy(total)
      : ZERO;
    qty = total;
  } else {
    const closed = fill.qty.greaterThan(l.qty) ? l.qty : fill.qty;
    const move = fill.price.minus(l.entry).times(closed);
    realized = l.entry.greaterThan(0) ? realized.plus(l.side === 'LONG' ? move : move.negated()) : realized;
    qty = l.qty.minus(closed);
    if (qty.isZero()) entry = ZERO;
  }
  let order = l.order;
  if (order && fill.clientOrderId === order.clientOrderId) {
    const filled = order.filled.plus(fill.qty);
    const done = filled.greaterThanOrEqualTo(order.executed ?? order.qty);
    order = done ? null : { ...order, filled };
  }
  let stopId = l.stopId;
  let stopTrigger = l.stopTrigger;
  const byStop = ours && decoded?.kind === 'protective_stop';
  if ((byStop || isLiquidationFill(fill)) && qty.isZero()) {
    stopId = null;
    stopTrigger = null;
  }
  const next: PairLeg = {
    ...l,
    qty,
    entry,
    realized,
    order,
    stopId,
    stopTrigger,
    trades,
    volume: ours ? l.volume.plus(fill.qty) : l.volume,
    fees: ours ? l.fees.plus(fill.fee) : l.fees,
  };
  t.state = withLeg(t.state, leg.role, next);
  if (byStop || isLiquidationFill(fill)) {
    const what = byStop ? 'its protective stop' : 'a liquidation';
    t.commands.push(
      alert(
        t.state,
        'critical',
        byStop ? 'protective_stop_triggered' : 'liquidation',
        `${label(i)}: ${what} closed ${fill.qty.toFixed()} of ${leg.role}'s ${leg.positionSide} at ${fill.price.toFixed()}; the pair is closed`,
      ),
    );
    if (pair.status !== 'closing' && pair.status !== 'stopped')
      startClosing(t, i, `${what} fired on ${leg.role}`, 'emergency', 'stop_loss', now);
  }
  const line = unjournaledFillOf(fill, {
    holdingsAfter: netHoldings(t.state),
    avgEntryAfter: next.entry,
    role: ours ? `pair_${decoded?.kind ?? 'order'}` : 'external',
    leg: leg.role,
  });
  t.state = { ...t.state, unjournaled: [...t.state.unjournaled, line] };
  return true;
}

function netHoldings(s: HedgePairsState): Decimal {
  let net = ZERO;
  for (const l of Object.values(s.legs)) net = l.side === 'LONG' ? net.plus(l.qty) : net.minus(l.qty);
  return net;
}

// --- the pair's life -----------------------------------------------------------------------------------

function setStatus(t: Turned, i: number, status: PairStatus, now: number, over: Partial<Pair> = {}): void {
  const p = t.state.pairs[i]!;
  t.state = withPair(t.state, i, { ...p, status, since: now, ...over });
}

/** Hands both legs to the closer. */
function startClosing(
  t: Turned,
  i: number,
  reason: string,
  urgency: 'normal' | 'emergency',
  why: 'stop_loss' | 'rotation' | 'drift',
  now: number,
): void {
  const p = t.state.pairs[i]!;
  setStatus(t, i, 'closing', now, { reason: `${why}: ${reason}`, handedAt: now });
  t.commands.push({
    kind: 'FlattenLegs',
    instanceId: t.state.instanceId,
    legs: [p.long, p.short],
    urgency,
    reason: `${label(i)}: ${reason}`,
  });
}

/** A pair stopped for a severe error: its legs keep their stops; an imbalance is still settled. */
function stopPair(t: Turned, i: number, reason: string, now: number): void {
  const p = t.state.pairs[i]!;
  if (p.status === 'stopped') return;
  setStatus(t, i, 'stopped', now, { reason, lastError: { at: now, message: reason } });
  t.commands.push(
    alert(t.state, 'critical', 'pair_stopped', `${label(i)} (${p.long} / ${p.short}) stopped: ${reason}`),
  );
}

/** A recoverable error of a pair: it backs off; a human is told once it keeps failing. */
function pairError(t: Turned, i: number, message: string, config: HedgePairsConfig, now: number): void {
  const p = t.state.pairs[i]!;
  const errors = p.errors + 1;
  t.state = withPair(t.state, i, {
    ...p,
    errors,
    retryAt: now + backoffMs(config, errors),
    lastError: { at: now, message },
  });
  if (errors === config.retry.alert_after)
    t.commands.push(
      alert(
        t.state,
        'warning',
        'pair_retrying',
        `${label(i)} (${p.long} / ${p.short}) failed ${errors} times in a row (last: ${message}); it keeps retrying every ${backoffMs(config, errors) / 1000} s at most`,
      ),
    );
}

function openCommand(
  t: Turned,
  role: string,
  i: number,
  qty: Decimal,
  view: View,
  config: HedgePairsConfig,
  now: number,
  why: string,
): OrderCommand {
  const l = legOf(t.state, role);
  const seq = t.state.nextSeq;
  const id = levelOrderId(t.state.instanceId, i, openingSideOf(l.side), seq);
  const slip = config.max_slippage_pct.dividedBy(100);
  const side = openingSideOf(l.side);
  const price = roundPrice(
    side === 'buy' ? view.price.times(dec(1).plus(slip)) : view.price.times(dec(1).minus(slip)),
    side,
    view.rules,
  );
  t.state = withLeg({ ...t.state, nextSeq: seq + 1 }, role, {
    ...l,
    order: { clientOrderId: id, qty, filled: ZERO, executed: null, sentAt: now, state: 'sent' },
  });
  return {
    kind: 'PlaceOrder',
    instanceId: t.state.instanceId,
    level: i,
    reason: `${label(i)}: ${why}`,
    tag: { leg: role, role: 'open' },
    request: {
      type: 'limit',
      account: role,
      symbol: config.symbol,
      clientOrderId: id,
      side,
      positionSide: l.side,
      price,
      qty,
      timeInForce: 'IOC',
    },
  };
}

function unwindCommand(
  t: Turned,
  role: string,
  i: number,
  qty: Decimal,
  config: HedgePairsConfig,
  now: number,
) {
  const l = legOf(t.state, role);
  const seq = t.state.nextSeq;
  const id = closeOrderId(t.state.instanceId, seq);
  t.state = withLeg({ ...t.state, nextSeq: seq + 1 }, role, {
    ...l,
    order: { clientOrderId: id, qty, filled: ZERO, executed: null, sentAt: now, state: 'sent' },
  });
  const command: OrderCommand = {
    kind: 'ClosePosition',
    instanceId: t.state.instanceId,
    leg: role,
    reason: `${label(i)}: unwind what ${role} holds beyond its partner`,
    request: {
      type: 'market',
      account: role,
      symbol: config.symbol,
      clientOrderId: id,
      side: closingSideOf(l.side),
      positionSide: l.side,
      qty,
    },
  };
  return command;
}

/** The leg's protective stop: placed when it holds coins and has none (not within the retry wait). */
function keepStop(
  t: Turned,
  role: string,
  i: number,
  view: View,
  config: HedgePairsConfig,
  now: number,
): void {
  const l = legOf(t.state, role);
  if (l.stopId || !l.qty.greaterThan(0) || !l.entry.greaterThan(0)) return;
  if (l.stopRefusedAt !== null && now - l.stopRefusedAt < STOP_RETRY_MS) return;
  const pct = config.protective_stop_pct.dividedBy(100);
  const raw = l.side === 'LONG' ? l.entry.times(dec(1).minus(pct)) : l.entry.times(dec(1).plus(pct));
  // Rounded away from the entry (a LONG's sell stop down, a SHORT's buy stop up).
  const trigger = roundPrice(raw, l.side === 'LONG' ? 'buy' : 'sell', view.rules);
  const seq = t.state.nextSeq;
  const id = protectiveStopOrderId(t.state.instanceId, l.side, seq);
  t.state = withLeg({ ...t.state, nextSeq: seq + 1 }, role, { ...l, stopId: id, stopTrigger: trigger });
  t.commands.push({
    kind: 'PlaceStop',
    instanceId: t.state.instanceId,
    leg: role,
    reason: `${label(i)}: protective stop ${config.protective_stop_pct.toFixed()}% from the entry`,
    request: {
      type: 'stop_market',
      account: role,
      symbol: config.symbol,
      clientOrderId: id,
      side: closingSideOf(l.side),
      positionSide: l.side,
      triggerPrice: trigger,
      workingType: 'MARK_PRICE',
      closePosition: true,
    },
  });
}

/**
 * An order whose outcome never came back is looked up by recon. An acknowledged one is never forgotten on
 * a timer (its fills may be late on a lagging stream: forgetting it would open the pair again): its fills,
 * the venue's answer, or a read of the position made after it is over settle it.
 */
function expireOrder(t: Turned, role: string, now: number): void {
  const l = legOf(t.state, role);
  const o = l.order;
  if (o?.state === 'sent' && now - o.sentAt >= IN_FLIGHT_MS)
    t.state = withLeg(t.state, role, { ...l, order: { ...o, state: 'unknown' } });
}

/** Settles a pair whose legs differ (never while the closer works it). */
function settle(
  t: Turned,
  i: number,
  view: View,
  config: HedgePairsConfig,
  now: number,
  urgent: boolean,
): void {
  const p = t.state.pairs[i]!;
  const long = legOf(t.state, p.long);
  const short = legOf(t.state, p.short);
  if (long.order || short.order) return;
  // A refused unwind is not hammered: the next waits out the pair's backoff.
  if (p.unwindRetryAt !== null && now < p.unwindRetryAt) return;
  const gap = imbalance(long, short, stepCoins(view.rules));
  if (!gap) return;
  if (!urgent && now - p.since < config.partial_fill.after_sec * 1000) return;
  const heavy = gap.heavy === 'long' ? p.long : p.short;
  const light = gap.heavy === 'long' ? p.short : p.long;
  const hedge =
    config.partial_fill.action === 'hedge' &&
    p.topUps < config.partial_fill.hedge_attempts &&
    p.status === 'opening' &&
    !t.state.paused;
  if (hedge) {
    t.state = withPair(t.state, i, { ...p, topUps: p.topUps + 1 });
    t.commands.push(
      openCommand(t, light, i, gap.excess, view, config, now, `top ${light} up to its partner`),
    );
    return;
  }
  t.commands.push(unwindCommand(t, heavy, i, gap.excess, config, now));
  t.commands.push(
    alert(
      t.state,
      'warning',
      'pair_unwound',
      `${label(i)}: ${heavy} held ${gap.excess.toFixed()} more than ${light}; closing the excess at market`,
    ),
  );
}

/** Whether a pair waiting to reopen after a rotation must wait for the others (a shuffle re-pairs all). */
function waitsForShuffle(s: HedgePairsState, config: HedgePairsConfig): boolean {
  if (!config.rotation?.shuffle) return false;
  return s.pairs.some((p) => p.status === 'closing' || p.status === 'opening' || p.status === 'open');
}

/** One pair's next step on what the state and the view say now. */
function advance(t: Turned, i: number, view: View, config: HedgePairsConfig, now: number): void {
  const p0 = t.state.pairs[i]!;
  if (p0.status === 'new' || p0.status === 'skipped') return;
  for (const role of [p0.long, p0.short]) {
    expireOrder(t, role, now);
    keepStop(t, role, i, view, config, now);
  }
  const p = t.state.pairs[i]!;
  const long = legOf(t.state, p.long);
  const short = legOf(t.state, p.short);
  const inFlight = long.order !== null || short.order !== null;
  const flattening = t.state.paused && t.state.pauseReason === FLATTEN_PAUSE;
  const flat = long.qty.isZero() && short.qty.isZero();
  switch (p.status) {
    case 'idle': {
      if (!flat) {
        // Something is held while idle (a restart mid-open): matched legs are an open pair, else settle.
        if (!imbalance(long, short, stepCoins(view.rules)) && !inFlight) setStatus(t, i, 'open', now);
        else if (!flattening) settle(t, i, view, config, now, true);
        return;
      }
      if (t.state.paused || inFlight) return;
      if (long.positionAt === null || short.positionAt === null) return;
      if ((p.retryAt !== null && now < p.retryAt) || (p.reopenAt !== null && now < p.reopenAt)) return;
      if (p.rotations > 0 && p.reopenAt !== null && waitsForShuffle(t.state, config)) return;
      const size = pairSize(config, view.price, view.rules);
      if (size.tooSmall) {
        stopPair(t, i, size.tooSmall, now);
        return;
      }
      setStatus(t, i, 'opening', now, { target: size.qty, topUps: 0, reason: null, reopenAt: null });
      t.commands.push(openCommand(t, p.long, i, size.qty, view, config, now, 'open long'));
      t.commands.push(openCommand(t, p.short, i, size.qty, view, config, now, 'open short'));
      return;
    }
    case 'opening': {
      if (inFlight) return;
      const gap = imbalance(long, short, stepCoins(view.rules));
      if (!gap) {
        if (flat) setStatus(t, i, 'idle', now, { target: null });
        else {
          setStatus(t, i, 'open', now, { errors: 0, retryAt: null });
          t.commands.push(
            alert(
              t.state,
              'info',
              'pair_opened',
              `${label(i)} opened: ${p.long} long ${long.qty.toFixed()}, ${p.short} short ${short.qty.toFixed()}`,
            ),
          );
        }
        return;
      }
      // A refused partner cannot fill any more: settle at once.
      settle(t, i, view, config, now, p.lastError !== null && p.lastError.at >= p.since);
      return;
    }
    case 'open': {
      if (flattening) return;
      if (flat && !inFlight && view.recon) {
        // Closed by someone else (an operator's close-all, by hand): it opens again when allowed.
        setStatus(t, i, 'idle', now, { target: null });
        return;
      }
      // Legs apart by the exchange's word (recon's read; fills counted by the worker may still be on their
      // way to it): a pair that no longer hedges is closed.
      if (imbalance(long, short, stepCoins(view.rules))) {
        if (!inFlight && view.recon)
          startClosing(t, i, 'its legs no longer match', config.close_urgency.stop_loss, 'drift', now);
        return;
      }
      const threshold = config.pairs[i]?.stop_loss_threshold ?? config.stop_loss_threshold;
      if (pastStopLoss(long, short, view.mark, threshold)) {
        startClosing(
          t,
          i,
          `combined unrealized PnL below -${threshold.toFixed()} USD at mark ${view.mark.toFixed()}`,
          config.close_urgency.stop_loss,
          'stop_loss',
          now,
        );
        t.commands.push(
          alert(
            t.state,
            'warning',
            'pair_stop_loss',
            `${label(i)} (${p.long} / ${p.short}) lost more than ${threshold.toFixed()} USD: both legs go to the closer`,
          ),
        );
        return;
      }
      const hold = config.rotation?.hold_minutes;
      if (hold !== undefined && now - p.since >= hold * 60_000)
        startClosing(t, i, `held ${hold} min`, config.close_urgency.rotation, 'rotation', now);
      return;
    }
    case 'closing': {
      if (!view.recon) return;
      // Still holding long after the hand-over (a lost request, an operator's resume that ended it, a
      // worker that died): handed over again, as an emergency.
      if (!flat && now - (p.handedAt ?? p.since) >= HAND_OVER_AGAIN_MS) {
        t.state = withPair(t.state, i, { ...p, handedAt: now });
        t.commands.push(
          {
            kind: 'FlattenLegs',
            instanceId: t.state.instanceId,
            legs: [p.long, p.short],
            urgency: 'emergency',
            reason: `${label(i)}: still holding ${Math.round((now - p.since) / 60_000)} min after the hand-over`,
          },
          alert(
            t.state,
            'warning',
            'pair_close_retried',
            `${label(i)} still holds ${long.qty.toFixed()} / ${short.qty.toFixed()} after its hand-over to the closer: handed over again (emergency)`,
          ),
        );
        return;
      }
      // Flat by the exchange's word since the hand-over: the closer's work is done.
      if (!flat || inFlight) return;
      if ((long.positionAt ?? 0) < p.since || (short.positionAt ?? 0) < p.since) return;
      t.commands.push({
        kind: 'EndFlatten',
        instanceId: t.state.instanceId,
        legs: [p.long, p.short],
        reason: `${label(i)} is flat`,
      });
      if (p.reason?.startsWith('rotation')) {
        const delay = (config.rotation?.reopen_delay_sec ?? 30) * 1000;
        setStatus(t, i, 'idle', now, { target: null, reopenAt: now + delay, rotations: p.rotations + 1 });
      } else setStatus(t, i, 'stopped', now, { target: null });
      return;
    }
    case 'stopped': {
      if (!flattening) settle(t, i, view, config, now, true);
      return;
    }
  }
}

/** Every pair waiting after a rotation, re-paired at once when the last of them is flat. */
function maybeShuffle(t: Turned, config: HedgePairsConfig): void {
  if (!config.rotation?.shuffle) return;
  const ready = t.state.pairs
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.status === 'idle' && p.rotations > 0 && p.reopenAt !== null);
  if (ready.length < 2 || waitsForShuffle(t.state, config)) return;
  // Only pairs that have not shuffled for this rotation (each shuffle bumps `shuffles` once per round).
  if (ready.some(({ p }) => p.rotations > t.state.shuffles)) {
    const shuffled = shufflePairs(
      ready.map(({ p }) => p),
      `${t.state.instanceId}#${t.state.shuffles}`,
    );
    const pairs = [...t.state.pairs];
    ready.forEach(({ i }, k) => {
      pairs[i] = shuffled[k]!;
    });
    t.state = { ...t.state, pairs, shuffles: t.state.shuffles + 1 };
    t.commands.push(
      alert(
        t.state,
        'info',
        'pairs_shuffled',
        `re-paired: ${shuffled.map((p) => `${p.long}/${p.short}`).join(', ')}`,
      ),
    );
  }
}

// --- recon ----------------------------------------------------------------------------------------------

/** Judges a pair never judged: skipped (with the reason) or idle. */
function judge(t: Turned, i: number, snaps: ReadonlyMap<string, LegSnapshot>, now: number): void {
  const p = t.state.pairs[i]!;
  if (p.status !== 'new') return;
  const reasons: string[] = [];
  for (const role of [p.long, p.short]) {
    const snap = snaps.get(role);
    if (!snap) reasons.push(`account ${role} was not read`);
    else if (snap.unreadable?.kind === 'fatal')
      reasons.push(`the status of account ${role} cannot be read (${snap.unreadable.message})`);
    // A passing failure (network, rate limit): judged on a later pass.
    else if (snap.unreadable) return;
    else if (snap.position && !snap.position.qty.isZero())
      reasons.push(
        `account ${role} already holds ${snap.position.qty.toFixed()} ${snap.leg.symbol} ${snap.leg.positionSide}`,
      );
  }
  if (reasons.length === 0) {
    setStatus(t, i, 'idle', now);
    return;
  }
  setStatus(t, i, 'skipped', now, { reason: reasons.join('; ') });
  t.commands.push(
    alert(
      t.state,
      'warning',
      'pair_skipped',
      `${label(i)} (${p.long} / ${p.short}) is skipped: ${reasons.join('; ')}`,
    ),
  );
}

/** The exchange's word on one readable leg: its position, its stop, an order whose fate was looked up. */
function readLeg(t: Turned, snap: LegSnapshot, found: FoundStop[]): void {
  const role = snap.leg.role;
  const i = pairIndexOf(t.state, role);
  const p = t.state.pairs[i];
  if (!p || p.status === 'new' || p.status === 'skipped') return;
  let l = legOf(t.state, role);
  const held = snap.position?.qty.abs() ?? ZERO;
  // The exchange's position is adopted (like the closer's, the ledger is the position), unless a trade
  // counted on the leg is as recent as the read: the read may not hold it yet (the next pass adopts).
  const settled = !l.trades.some((x) => x.time >= snap.at);
  l = settled
    ? {
        ...l,
        qty: held,
        entry: held.isZero() ? ZERO : (snap.position?.entryPrice ?? l.entry),
        positionAt: snap.at,
      }
    : { ...l, positionAt: l.positionAt ?? snap.at };
  // An order whose outcome was unknown: looked up; over once the exchange says so (its fills are in the
  // position just read).
  const o = l.order;
  if (o && o.state === 'unknown') {
    const fate = snap.orderLookups[o.clientOrderId];
    if (fate !== undefined && fate?.status !== 'NEW' && fate?.status !== 'PARTIALLY_FILLED')
      l = { ...l, order: null };
  } else if (o && o.state === 'placed' && settled && snap.at >= o.sentAt + IOC_SETTLE_MS)
    // Read well after the IOC was over: what it did is in the position just adopted.
    l = { ...l, order: null };
  const stop = reconcileLegStop(t.state.instanceId, snap.leg, l.stopId, snap.openOrders);
  for (const extra of stop.extra)
    t.commands.push({
      kind: 'CancelStop',
      instanceId: t.state.instanceId,
      account: role,
      symbol: snap.leg.symbol,
      clientOrderId: extra.clientOrderId,
      reason: 'a second protective stop of ours',
    });
  if (stop.found) found.push({ ...stop.found, leg: role, side: closingSideOf(l.side) });
  if (stop.keep)
    l = { ...l, stopId: stop.keep.clientOrderId, stopTrigger: stop.keep.triggerPrice ?? l.stopTrigger };
  // A tracked stop the exchange no longer lists is forgotten (placed again below when still wanted).
  else if (l.stopId) l = { ...l, stopId: null, stopTrigger: null };
  // Flat by the exchange's word: the stop goes (one closePosition stop per side; it would close the next).
  if (held.isZero() && l.stopId && !l.order) {
    t.commands.push({
      kind: 'CancelStop',
      instanceId: t.state.instanceId,
      account: role,
      symbol: snap.leg.symbol,
      clientOrderId: l.stopId,
      reason: 'the leg is flat',
    });
    l = { ...l, stopId: null, stopTrigger: null };
  }
  t.state = withLeg(t.state, role, l);
}

/** A leg recon could not read: its pair backs off, or stops when the credentials are refused. */
function unreadableLeg(t: Turned, snap: LegSnapshot, config: HedgePairsConfig, now: number): void {
  const failure = snap.unreadable;
  const i = pairIndexOf(t.state, snap.leg.role);
  const p = t.state.pairs[i];
  if (!failure || !p || p.status === 'new' || p.status === 'skipped') return;
  const message = `account ${snap.leg.role} cannot be read: ${failure.message}`;
  if (failure.kind === 'fatal') stopPair(t, i, message, now);
  else if (p.status !== 'stopped') pairError(t, i, message, config, now);
}

function recon(
  state: HedgePairsState,
  snapshots: readonly LegSnapshot[],
  config: HedgePairsConfig,
  now: number,
): StrategyReconDecision<HedgePairsState> {
  const t: Turned = { state: withConfig(state, config, now), commands: [] };
  let fillsApplied = 0;
  const found: FoundStop[] = [];
  const byRole = new Map(snapshots.map((s) => [s.leg.role, s]));
  // Trade history first (a pair not judged yet only moves its cursors past it), then the judgement of new
  // pairs, then what the exchange says of each readable leg.
  for (const snap of snapshots) {
    if (snap.unreadable) continue;
    for (const f of snap.fills) if (applyFill(state, snap.leg, f, t, now)) fillsApplied += 1;
    const last = snap.fills[snap.fills.length - 1];
    if (last)
      t.state = withLeg(t.state, snap.leg.role, {
        ...legOf(t.state, snap.leg.role),
        cursor: { time: last.time, tradeId: last.tradeId },
      });
  }
  for (let i = 0; i < t.state.pairs.length; i++) judge(t, i, byRole, now);
  for (const snap of snapshots) {
    if (snap.unreadable) unreadableLeg(t, snap, config, now);
    else readLeg(t, snap, found);
  }
  const readable = snapshots.find((s) => !s.unreadable);
  if (readable) {
    const view: View = {
      price: readable.price,
      mark: readable.markPrice ?? readable.price,
      rules: readable.rules,
      recon: true,
    };
    // A pair with an unreadable leg is not advanced: what it holds is not known on this pass.
    const blind = new Set(snapshots.filter((s) => s.unreadable).map((s) => pairIndexOf(t.state, s.leg.role)));
    for (let i = 0; i < t.state.pairs.length; i++) if (!blind.has(i)) advance(t, i, view, config, now);
    maybeShuffle(t, config);
    t.state = { ...t.state, lastPrice: view.mark };
  }
  const unmanaged = snapshots
    .filter((s) => {
      const p = t.state.pairs[pairIndexOf(t.state, s.leg.role)];
      return s.unreadable !== undefined || !p || p.status === 'new' || p.status === 'skipped';
    })
    .map((s) => s.leg.role);
  return {
    state: { ...t.state, updatedAt: now },
    commands: t.commands,
    fillsApplied,
    stopsFound: found,
    unmanaged,
  };
}

// --- the module -----------------------------------------------------------------------------------------

export const hedgePairsStrategy: StrategyModule<HedgePairsConfig, HedgePairsState> = {
  name: HEDGE_PAIRS,
  configSchema: hedgePairsConfigSchema,
  legs: hedgePairLegs,
  marketChannels: ['markPrice'],
  jobs: ['recon'],
  jobIntervalSec: (config) => config.recon_interval_sec,
  parseState: parseHedgePairsState,
  stateToJson: hedgePairsStateToJson,
  independentLegs: true,
  wakeEveryMs: 1_000,

  invariants(state, config) {
    const out: string[] = [];
    const accounts = new Set(hedgePairLegs(config).map((l) => l.role));
    const seen = new Set<string>();
    state.pairs.forEach((p, i) => {
      for (const [role, side] of [
        [p.long, 'LONG'],
        [p.short, 'SHORT'],
      ] as const) {
        if (seen.has(role)) out.push(`${label(i)}: account ${role} is in two pairs`);
        seen.add(role);
        if (!accounts.has(role)) out.push(`${label(i)}: account ${role} is not one of the instance's`);
        if (state.legs[role]?.side !== side) out.push(`${label(i)}: ${role} is not a ${side} leg`);
      }
      if (p.status === 'opening' && p.target === null) out.push(`${label(i)}: opening without a target size`);
    });
    for (const [role, l] of Object.entries(state.legs))
      if ((l.stopId === null) !== (l.stopTrigger === null))
        out.push(`${role}: a stop id without a trigger or a trigger without a stop`);
    return out;
  },

  onFill(state0, fill, leg, config, market, now) {
    const state = withConfig(state0, config, now);
    const t: Turned = { state, commands: [] };
    if (!applyFill(state, leg, fill, t, now)) return { state: t.state, commands: [], applied: false };
    const i = pairIndexOf(t.state, leg.role);
    const view: View = {
      price: market.price,
      mark: market.markPrice ?? market.price,
      rules: market.rules,
      recon: false,
    };
    if (i >= 0) advance(t, i, view, config, now);
    return {
      state: { ...t.state, lastPrice: market.price, updatedAt: now },
      commands: t.commands,
      applied: true,
    };
  },

  onMarket(state, leg, event, config, now) {
    const i = pairIndexOf(state, leg.role);
    const p = state.pairs[i];
    // Each pair is decided on its long leg's events (its short leg's would decide the same again).
    if (!p || p.long !== leg.role) return null;
    const t: Turned = { state, commands: [] };
    const mark = event.markPrice ?? event.price;
    advance(t, i, { price: event.price, mark, rules: event.rules, recon: false }, config, now);
    maybeShuffle(t, config);
    if (t.state === state && t.commands.length === 0) return null;
    return { state: { ...t.state, lastPrice: mark, updatedAt: now }, commands: t.commands };
  },

  applyOutcome(state, command, outcome, config, now) {
    const role =
      command.kind === 'PlaceOrder' || command.kind === 'PlaceStop' || command.kind === 'ClosePosition'
        ? command.request.account
        : command.account;
    const l = state.legs[role];
    const i = pairIndexOf(state, role);
    if (!l || i < 0) return { state, commands: [] };
    const t: Turned = { state, commands: [] };
    const id =
      command.kind === 'PlaceOrder' || command.kind === 'PlaceStop' || command.kind === 'ClosePosition'
        ? command.request.clientOrderId
        : command.clientOrderId;
    if (
      (command.kind === 'PlaceOrder' || command.kind === 'ClosePosition') &&
      l.order?.clientOrderId === id
    ) {
      if (outcome.kind === 'placed' && l.order.state !== 'unknown') {
        // The venue's answer may say the IOC is over and what it executed: settled once its fills are counted.
        const over =
          outcome.status !== undefined && FINAL.has(outcome.status) && outcome.filledQty !== undefined;
        const executed = over ? (outcome.filledQty ?? null) : l.order.executed;
        const done = executed !== null && l.order.filled.greaterThanOrEqualTo(executed);
        t.state = withLeg(t.state, role, {
          ...l,
          order: done ? null : { ...l.order, state: 'placed', executed },
        });
      } else if (outcome.kind === 'timedOut')
        t.state = withLeg(t.state, role, { ...l, order: { ...l.order, state: 'unknown' } });
      else if (outcome.kind === 'rejected') {
        t.state = withLeg(t.state, role, { ...l, order: null });
        const why = `${role}: ${command.kind === 'PlaceOrder' ? 'open' : 'unwind'} refused (${outcome.reason}: ${outcome.message})`;
        if (command.kind === 'ClosePosition') {
          // The unwind waits out a backoff before it goes again (a stopped pair's too).
          const p = t.state.pairs[i]!;
          const n = p.errors + 1;
          t.state = withPair(t.state, i, { ...p, unwindRetryAt: now + backoffMs(config, n) });
        }
        if (outcome.reason === 'reduce_only_rejected') {
          // Larger than the position: what we count is wrong; recon reads the position before more.
          t.state = withLeg(t.state, role, { ...legOf(t.state, role), positionAt: null });
          pairError(t, i, why, config, now);
        } else if (SEVERE.has(outcome.reason)) {
          stopPair(t, i, why, now);
          pairError(t, i, why, config, now);
        } else pairError(t, i, why, config, now);
      }
    } else if (command.kind === 'PlaceStop' && l.stopId === id) {
      if (outcome.kind === 'rejected' && outcome.reason !== 'stop_exists') {
        const refusals = l.stopRefusals + 1;
        t.state = withLeg(t.state, role, {
          ...l,
          stopId: null,
          stopTrigger: null,
          stopRefusedAt: now,
          stopRefusals: refusals,
        });
        const pr = t.state.pairs[i]!;
        if (
          outcome.reason !== 'would_trigger' &&
          refusals >= MAX_STOP_REFUSALS &&
          l.qty.greaterThan(0) &&
          pr.status !== 'closing'
        )
          startClosing(
            t,
            i,
            `the stop of ${role} was refused ${refusals} times in a row`,
            'emergency',
            'stop_loss',
            now,
          );
        if (outcome.reason === 'would_trigger' && l.qty.greaterThan(0) && !l.order) {
          // The mark is already past the stop: the leg closes at market now; its partner is then settled.
          t.commands.push(unwindCommand(t, role, i, l.qty, config, now));
          // Its partner would be left alone: the pair goes to the closer with it.
          const p = t.state.pairs[i]!;
          if (p.status !== 'closing' && p.status !== 'stopped')
            startClosing(t, i, `the stop of ${role} would trigger at once`, 'emergency', 'stop_loss', now);
          t.commands.push(
            alert(
              t.state,
              'critical',
              'protective_close',
              `${label(i)}: the stop for ${role} would trigger at once (the mark is past it): closing ${l.qty.toFixed()} at market`,
            ),
          );
        } else if (l.stopRefusedAt === null)
          t.commands.push(
            alert(
              t.state,
              'warning',
              'protective_stop_rejected',
              `${label(i)}: the protective stop for ${role} was refused (${outcome.reason}: ${outcome.message}); tried again every ${STOP_RETRY_MS / 1000} s`,
            ),
          );
      } else if (outcome.kind === 'placed' && (l.stopRefusedAt !== null || l.stopRefusals > 0))
        t.state = withLeg(t.state, role, { ...l, stopRefusedAt: null, stopRefusals: 0 });
    }
    if (t.state === state && t.commands.length === 0) return { state, commands: [] };
    return { state: { ...t.state, updatedAt: now }, commands: t.commands };
  },

  closeWhatIsHeld: (state) => ({ state, commands: [] }),

  fillCursor: (state, leg) => state.legs[leg.role]?.cursor ?? null,
  ordersToLookUp(state, leg, openOrders) {
    const o = state.legs[leg.role]?.order;
    if (o?.state !== 'unknown' || openOrders.some((x) => x.clientOrderId === o.clientOrderId)) return [];
    return [o.clientOrderId];
  },
  planRecon: recon,
  planProtection(state, snapshots, config, now) {
    // Backing off: stops only (the positions as read), nothing opens.
    const t: Turned = { state, commands: [] };
    const found: FoundStop[] = [];
    for (const snap of snapshots as readonly LegProtectionSnapshot[]) {
      const i = pairIndexOf(t.state, snap.leg.role);
      const p = t.state.pairs[i];
      if (!p || p.status === 'new' || p.status === 'skipped' || snap.unreadable) continue;
      const l = legOf(t.state, snap.leg.role);
      const held = snap.position?.qty.abs() ?? ZERO;
      const stop = reconcileLegStop(t.state.instanceId, snap.leg, l.stopId, snap.openOrders);
      if (stop.found) found.push({ ...stop.found, leg: snap.leg.role, side: closingSideOf(l.side) });
      t.state = withLeg(t.state, snap.leg.role, {
        ...l,
        qty: held,
        entry: held.isZero() ? ZERO : (snap.position?.entryPrice ?? l.entry),
        stopId: stop.keep?.clientOrderId ?? null,
        stopTrigger: stop.keep?.triggerPrice ?? null,
      });
      const view: View = {
        price: snap.price,
        mark: snap.markPrice ?? snap.price,
        rules: snap.rules,
        recon: false,
      };
      keepStop(t, snap.leg.role, i, view, config, now);
    }
    return { state: { ...t.state, updatedAt: now }, commands: t.commands, stopsFound: found };
  },

  leavesAlone: (state) =>
    state.pairs.filter((p) => p.status === 'new' || p.status === 'skipped').flatMap((p) => [p.long, p.short]),
  pause: (state, reason, now) => ({ ...state, paused: true, pauseReason: reason, updatedAt: now }),
  resume(state, now) {
    // Skipped pairs are judged again on the next pass; a stopped pair that is flat may open again (one
    // still holding stays stopped, its legs protected: close them first).
    const pairs = state.pairs.map((p) => {
      const flat = state.legs[p.long]?.qty.isZero() && state.legs[p.short]?.qty.isZero();
      if (p.status === 'skipped') return { ...p, status: 'new' as const, since: now, reason: null };
      if (p.status === 'stopped' && flat)
        return {
          ...p,
          status: 'idle' as const,
          since: now,
          reason: null,
          errors: 0,
          retryAt: null,
          unwindRetryAt: null,
        };
      return p;
    });
    return { ...state, paused: false, pauseReason: null, pairs, updatedAt: now };
  },
  planFlattenOrders: (state, _snapshots, _config, now) => ({
    // Its opens are IOC: nothing rests to cancel. Paused, no pair opens or is settled while the closer works.
    state: { ...state, paused: true, pauseReason: FLATTEN_PAUSE, updatedAt: now },
    commands: [],
  }),
  planFlattenPositions(state, snapshots, _config, now) {
    const t: Turned = { state: { ...state, updatedAt: now }, commands: [] };
    for (const snap of snapshots) {
      const held = snap.position?.qty.abs() ?? ZERO;
      const l = state.legs[snap.leg.role];
      const p = state.pairs[pairIndexOf(state, snap.leg.role)];
      // A pair never judged or skipped holds what is not ours: never closed by a flatten of ours.
      if (!held.greaterThan(0) || !l || snap.unreadable || !p || p.status === 'new' || p.status === 'skipped')
        continue;
      const seq = t.state.nextSeq;
      t.state = { ...t.state, nextSeq: seq + 1 };
      t.commands.push({
        kind: 'ClosePosition',
        instanceId: state.instanceId,
        leg: snap.leg.role,
        reason: 'flatten',
        request: {
          type: 'market',
          account: snap.leg.account,
          symbol: snap.leg.symbol,
          clientOrderId: closeOrderId(state.instanceId, seq),
          side: closingSideOf(l.side),
          positionSide: l.side,
          qty: held,
        },
      });
    }
    return t;
  },

  ledger(state) {
    let realized = ZERO;
    const legs: Record<string, { qty: Decimal; avgEntry: Decimal }> = {};
    for (const [role, l] of Object.entries(state.legs)) {
      realized = realized.plus(l.realized).minus(l.fees);
      legs[role] = { qty: l.side === 'LONG' ? l.qty : l.qty.negated(), avgEntry: l.entry };
    }
    return { holdings: netHoldings(state), avgEntry: ZERO, realizedPnl: realized, legs };
  },
  levelPrice: () => undefined,
  openOrderCount: (state) => pairSlots(state).length,
  orderSlots: pairSlots,
  protectsHoldings: () => true,
  status: (config, state) => hedgePairsStatus(config, state),
  monitoring: () => ({ riskBreach: null, heartbeatMaxAgeSec: 60 }),
  simulation: {
    historyNeededMs: () => 0,
    openingPrice: () => null,
    chartLevels: (state) => Object.values(state.legs).flatMap((l) => (l.stopTrigger ? [l.stopTrigger] : [])),
    eventChecks: () => ({}),
    report: (config, state) => hedgePairsReport(config, state),
  },
};
