/**
 * Fill accounting: the one implementation of what a fill does to the ledger, used by the event track
 * (`onFill`) and the recon track (fills read from trade history) alike.
 *
 * Entry points: `applyFill`, `isDuplicateFill`, `releaseQuota`, `autoClearIfFlat`, `pruneRecentTrades`.
 *
 * Invariants:
 *  1. Idempotent: a trade at or before the fill cursor, or listed in `recentTrades`, changes nothing.
 *  2. Holdings = Σ buys − Σ sells applied (order-independent; briefly negative only while a missed buy is
 *     still on its way); average entry is the volume-weighted price of buys since flat
 *     (sells do not move it); realized PnL = Σ (sell − avg) × qty; fees accumulate.
 *  3. A completely filled buy adds 1 to its level's counter; a partially filled buy that leaves the book
 *     locks the level too. Sells release `qty / base_amount_per_grid` counters, lowest-priced level first,
 *     carrying the fraction in `releasedQuotaRemainder`.
 *  4. Holdings at zero clear every counter, the remainder and the since-flat totals (auto-clear).
 */

import { decodeClientOrderId } from '../../client-order-id.js';
import type { Decimal } from '../../money.js';
import { maxDec, minDec, ONE, ZERO } from '../../money.js';
import { type Fill, isLiquidationFill } from '../../orders.js';
import { clearCondition, raiseCondition } from './alerts.js';
import { countFilledBuy, type Draft, type LevelDraft, setLevelState, type Work } from './context.js';
import { unitOf } from './grid-unit.js';
import {
  RECENT_TRADES_AFTER_CURSOR_MAX,
  RECENT_TRADES_BEFORE_CURSOR,
  RECENT_TRADES_STUCK_ALERT,
  UNJOURNALED_MAX,
} from './state.js';

export type FillRole = 'grid_buy' | 'grid_sell' | 'stop' | 'close' | 'liquidation' | 'foreign' | 'stale';

export type FillEffect =
  | { readonly applied: false; readonly reason: 'duplicate' | 'other_market' | 'invalid' }
  | {
      readonly applied: true;
      readonly side: 'buy' | 'sell';
      readonly role: FillRole;
      readonly qty: Decimal;
      /** The level the order belonged to (grid orders). */
      readonly level: number | null;
      /** The level's order is now completely filled. */
      readonly orderComplete: boolean;
      /** Levels whose counters this sell released, in release order. */
      readonly released: readonly number[];
      readonly flat: boolean;
      /** The ledger right after this fill (for journals and reports). */
      readonly holdingsAfter: Decimal;
      readonly avgEntryAfter: Decimal;
    };

/** Orders trade ids numerically when both are integers (Binance), else as text. */
function compareTradeKey(aTime: number, aId: string, bTime: number, bId: string): number {
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  if (/^\d+$/.test(aId) && /^\d+$/.test(bId)) {
    if (aId.length !== bId.length) return aId.length < bId.length ? -1 : 1;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

export function isDuplicateFill(s: Pick<Draft, 'fillCursor' | 'recentTrades'>, fill: Fill): boolean {
  if (
    s.fillCursor &&
    compareTradeKey(fill.time, fill.tradeId, s.fillCursor.time, s.fillCursor.tradeId) <= 0
  ) {
    return true;
  }
  return s.recentTrades.some((t) => t.id === fill.tradeId);
}

/** Keeps every trade after the cursor (up to a bound) and the newest few before it. */
export function pruneRecentTrades(s: Draft): void {
  const cursor = s.fillCursor;
  const before: { id: string; time: number }[] = [];
  const after: { id: string; time: number }[] = [];
  for (const t of s.recentTrades) {
    if (cursor && compareTradeKey(t.time, t.id, cursor.time, cursor.tradeId) <= 0) before.push(t);
    else after.push(t);
  }
  if (after.length > RECENT_TRADES_AFTER_CURSOR_MAX) {
    // Recon has not read trade history for a long while: fold the oldest into the cursor (see the bound).
    after.sort((a, b) => compareTradeKey(a.time, a.id, b.time, b.id));
    const folded = after.splice(0, after.length - RECENT_TRADES_AFTER_CURSOR_MAX);
    const last = folded[folded.length - 1]!;
    s.fillCursor = { time: last.time, tradeId: last.id };
    before.push(...folded);
  }
  s.recentTrades = [...before.slice(-RECENT_TRADES_BEFORE_CURSOR), ...after];
}

/** Trades applied after the cursor: how far the stream has run ahead of recon's trade-history reads. */
export function tradesAfterCursor(s: Pick<Draft, 'fillCursor' | 'recentTrades'>): number {
  const c = s.fillCursor;
  if (!c) return s.recentTrades.length;
  return s.recentTrades.filter((t) => compareTradeKey(t.time, t.id, c.time, c.tradeId) > 0).length;
}

/** Clears the journal-behind condition once the lines are written again (recon). */
export function judgeJournal(w: Work): void {
  if (w.s.unjournaled.length < UNJOURNALED_MAX / 2)
    clearCondition(w, 'journal_behind', 'fill journal lines are written again');
}

/**
 * The stuck-cursor condition: raised (warning) once the stream has applied `RECENT_TRADES_STUCK_ALERT`
 * trades that recon has not read back from trade history, cleared when recon catches up.
 */
export function judgeFillCursor(w: Work): void {
  const ahead = tradesAfterCursor(w.s);
  if (ahead >= RECENT_TRADES_STUCK_ALERT) {
    raiseCondition(
      w,
      'warning',
      'fill_cursor_stuck',
      `${ahead} fills were applied from the stream that recon has not read back from trade history: check that recon runs and can read trades; past ${RECENT_TRADES_AFTER_CURSOR_MAX} the oldest are taken as read`,
      { ahead: String(ahead) },
    );
  } else if (ahead < RECENT_TRADES_STUCK_ALERT / 2) {
    clearCondition(w, 'fill_cursor_stuck', 'recon reads trade history again');
  }
}

export function applyFill(w: Work, fill: Fill): FillEffect {
  const { s, config } = w;
  if (
    fill.symbol !== config.symbol ||
    (fill.positionSide !== config.position_side && fill.positionSide !== 'BOTH')
  ) {
    return { applied: false, reason: 'other_market' };
  }
  // Adapters validate venue numbers; this is the ledger's own last line: a fill of nothing, or at no price,
  // would zero the average entry and disable the profit guard.
  if (!fill.qty.greaterThan(0) || !fill.price.greaterThan(0)) return { applied: false, reason: 'invalid' };
  if (isDuplicateFill(s, fill)) return { applied: false, reason: 'duplicate' };
  s.recentTrades.push({ id: fill.tradeId, time: fill.time });
  if (s.recentTrades.length > RECENT_TRADES_BEFORE_CURSOR + RECENT_TRADES_AFTER_CURSOR_MAX)
    pruneRecentTrades(s);
  s.feesPaid = s.feesPaid.plus(fill.fee);

  const decoded = decodeClientOrderId(fill.clientOrderId);
  const ours = decoded !== null && decoded.instanceId === s.instanceId;
  let role: FillRole = 'foreign';
  let level: LevelDraft | null = null;
  if (ours && decoded.kind === 'stop') role = 'stop';
  // A flatten's slices close like a protective close (the closer runs them for the instance).
  if (ours && (decoded.kind === 'close' || decoded.kind === 'slice')) role = 'close';
  if (!ours && isLiquidationFill(fill)) role = 'liquidation';
  if (ours && decoded.kind === 'level') {
    const candidate = s.levels[decoded.level];
    const current = decoded.seq >= s.epochStartSeq && candidate?.order?.clientOrderId === fill.clientOrderId;
    role = current ? (fill.side === 'buy' ? 'grid_buy' : 'grid_sell') : 'stale';
    level = current ? candidate! : null;
  }

  const qty = fill.qty;
  const holdingsBefore = s.holdings;
  if (fill.side === 'buy') {
    const newHoldings = s.holdings.plus(qty);
    if (!newHoldings.greaterThan(0)) s.avgEntry = ZERO;
    else if (!s.holdings.greaterThan(0)) s.avgEntry = fill.price;
    else s.avgEntry = s.avgEntry.times(s.holdings).plus(fill.price.times(qty)).dividedBy(newHoldings);
    s.holdings = newHoldings;
    s.boughtSinceFlat = s.boughtSinceFlat.plus(qty);
  } else {
    // PnL is realized against the average of what is held. A sell can outrun the buys it closes when a
    // fill was missed and arrives later through trade history: the ledger then goes briefly negative and
    // the late buy brings it back (the exchange position is the truth recon checks against).
    const matched = minDec(qty, maxDec(s.holdings, ZERO));
    s.realizedPnl = s.realizedPnl.plus(fill.price.minus(s.avgEntry).times(matched));
    s.holdings = s.holdings.minus(qty);
    if (!s.holdings.greaterThan(0)) s.avgEntry = ZERO;
    s.soldSinceFlat = s.soldSinceFlat.plus(qty);
    s.resetBaseQty = minDec(s.resetBaseQty, maxDec(s.holdings, ZERO));
  }

  let orderComplete = false;
  if (level?.order) {
    const o = level.order;
    o.filledQty = o.filledQty.plus(fill.qty);
    o.openQty = o.qty.minus(o.filledQty);
    if (!o.openQty.greaterThan(0)) {
      o.openQty = ZERO;
      orderComplete = true;
      if (o.side === 'buy') {
        setLevelState(w, level, 'FILLED');
        countFilledBuy(level, config.max_fill_per_level);
      }
      level.order = null;
      setLevelState(w, level, 'IDLE');
    }
  }

  // Our stop is executing (possibly in several trades): it is no longer a live stop, and until the position
  // is flat it counts as the protective close in flight, so no second close is sent on its heels.
  if (role === 'stop') {
    s.stops = s.stops.filter((x) => x.clientOrderId !== fill.clientOrderId);
    if (!s.flatten)
      s.flatten = {
        clientOrderId: fill.clientOrderId,
        qty: maxDec(holdingsBefore, qty),
        since: w.now,
        uncertain: false,
      };
  }
  // A protective close that has done its work is over: if holdings remain (buys that filled meanwhile), the
  // same decision closes them too.
  if ((role === 'close' || role === 'stop') && s.flatten?.clientOrderId === fill.clientOrderId) {
    const left = s.flatten.qty.minus(qty);
    s.flatten = left.greaterThan(0) ? { ...s.flatten, qty: left } : null;
  }
  const released = fill.side === 'sell' ? releaseQuota(w, qty) : [];
  const flat = autoClearIfFlat(w);
  s.unjournaled.push({
    time: fill.time,
    tradeId: fill.tradeId,
    side: fill.side,
    price: fill.price,
    qty,
    fee: fill.fee,
    clientOrderId: fill.clientOrderId,
    levelPrice: level?.price ?? null,
    holdingsAfter: s.holdings,
    avgEntryAfter: s.avgEntry,
    role,
  });
  if (s.unjournaled.length > UNJOURNALED_MAX) {
    // Journal writes have been failing for a long while: the oldest lines give way, and that is said.
    const lost = s.unjournaled.splice(0, s.unjournaled.length - UNJOURNALED_MAX);
    raiseCondition(
      w,
      'warning',
      'journal_behind',
      `${UNJOURNALED_MAX} fills wait for their journal lines; the oldest (trade ${lost[lost.length - 1]!.tradeId}) lost its line: check the store`,
    );
  }
  return {
    applied: true,
    side: fill.side,
    role,
    qty,
    level: level?.index ?? null,
    orderComplete,
    released,
    flat,
    holdingsAfter: s.holdings,
    avgEntryAfter: s.avgEntry,
  };
}

/** Releases `soldQty / base` counters, lowest-priced level first, carrying the fraction. */
export function releaseQuota(w: Work, soldQty: Decimal): number[] {
  const { s, config } = w;
  s.releasedQuotaRemainder = s.releasedQuotaRemainder.plus(soldQty.dividedBy(unitOf(config, s)));
  const released: number[] = [];
  while (s.releasedQuotaRemainder.greaterThanOrEqualTo(ONE)) {
    const lowest = s.levels.find((l) => l.fillCounter > 0);
    if (!lowest) {
      // Nothing left to release: the fraction has no counter to carry towards.
      s.releasedQuotaRemainder = ZERO;
      break;
    }
    lowest.fillCounter -= 1;
    released.push(lowest.index);
    s.releasedQuotaRemainder = s.releasedQuotaRemainder.minus(ONE);
  }
  return released;
}

/** Holdings at zero: clear every counter (SPEC FR-RESET auto-clear). Returns whether the position is flat. */
export function autoClearIfFlat(w: Work): boolean {
  const { s } = w;
  if (!s.holdings.isZero()) return false;
  s.avgEntry = ZERO;
  s.releasedQuotaRemainder = ZERO;
  s.boughtSinceFlat = ZERO;
  s.soldSinceFlat = ZERO;
  s.resetBaseQty = ZERO;
  s.flatten = null;
  clearCondition(w, 'position_closed', 'the position is flat');
  clearCondition(w, 'close_failed', 'the position is flat');
  for (const level of s.levels) level.fillCounter = 0;
  return true;
}

/** A fill as it changed the ledger. */
export interface AppliedFill {
  readonly fill: Fill;
  readonly role: FillRole;
  readonly level: number | null;
  readonly holdingsAfter: Decimal;
  readonly avgEntryAfter: Decimal;
}

export function appliedFills(fills: readonly Fill[], effects: readonly FillEffect[]): AppliedFill[] {
  const out: AppliedFill[] = [];
  fills.forEach((fill, i) => {
    const e = effects[i];
    if (e?.applied) {
      out.push({
        fill,
        role: e.role,
        level: e.level,
        holdingsAfter: e.holdingsAfter,
        avgEntryAfter: e.avgEntryAfter,
      });
    }
  });
  return out;
}
