/**
 * The first half of a recon pass: make the state agree with the exchange before deciding anything.
 *
 * Entry points: `ordersToLookUp`, `applyTradeHistory`, `syncLevelOrders`, `adoptOrphanOrders`,
 * `reconcilePosition`.
 *
 * Invariants:
 *  1. Never trust memory for what is live: an ACTIVE order takes the exchange's price and open quantity;
 *     one the exchange no longer lists is settled by its fate (filled → wait for its trades; cancelled or
 *     unknown → IDLE, and a partially filled buy locks its level).
 *  2. A PLACING / CANCELING level younger than `order_action_timeout_sec` belongs to the other track and is
 *     left alone, unless the exchange already shows the result.
 *  3. An open order whose id decodes to this instance is adopted by its level if it fits (right side, right
 *     price, level idle); otherwise it is cancelled as a stray. Foreign orders are never touched.
 *  4. The exchange position wins over the ledger, but only when a difference is seen on two consecutive
 *     passes with no fill in between (a fill racing the snapshot must not be counted twice).
 */
import { decodeClientOrderId } from '../../client-order-id.js';
import { type Decimal, maxDec, ZERO } from '../../money.js';
import type { ExchangeOrder, Fill } from '../../orders.js';
import { alertEvent } from './alerts.js';
import type { KlgConfig } from './config.js';
import { countPartialBuy, isLocked, isZombie, type LevelDraft, setLevelState, type Work } from './context.js';
import { applyFill, autoClearIfFlat, type FillEffect, pruneRecentTrades } from './fill-accounting.js';
import { buyPriceOf, sellPriceOf } from './polarity.js';
import type { KlgState } from './state.js';

export function ownOpenOrders(instanceId: string, openOrders: readonly ExchangeOrder[]): ExchangeOrder[] {
  return openOrders.filter((o) => decodeClientOrderId(o.clientOrderId)?.instanceId === instanceId);
}

/**
 * Client order ids whose fate recon needs before it can decide: orders the state holds that the exchange
 * no longer lists (and that are not a young in-flight action of the other track).
 */
export function ordersToLookUp(
  state: KlgState,
  openOrders: readonly ExchangeOrder[],
  config: KlgConfig,
  now: number,
): string[] {
  const open = new Set(openOrders.map((o) => o.clientOrderId));
  const ids: string[] = [];
  for (const level of state.levels) {
    const o = level.order;
    if (!o || open.has(o.clientOrderId)) continue;
    if (isLocked(level) && !isZombie(level, config, now)) continue;
    ids.push(o.clientOrderId);
  }
  return ids;
}

/**
 * A consistent snapshot: the open-order list is read before the trade history, so an order that filled in
 * between is listed as open while its trades are already in the history. Such an order is dropped from
 * the list (completely filled) or shown with the filled quantity the trades prove (partially filled).
 */
export function settleAgainstTrades(
  openOrders: readonly ExchangeOrder[],
  fills: readonly Fill[],
): readonly ExchangeOrder[] {
  if (fills.length === 0) return openOrders;
  const traded = new Map<string, Decimal>();
  for (const f of fills) traded.set(f.clientOrderId, (traded.get(f.clientOrderId) ?? ZERO).plus(f.qty));
  const out: ExchangeOrder[] = [];
  for (const o of openOrders) {
    const qty = traded.get(o.clientOrderId);
    if (!qty || o.kind === 'stop' || !qty.greaterThan(o.filledQty)) out.push(o);
    else if (qty.lessThan(o.qty)) out.push({ ...o, filledQty: qty, status: 'PARTIALLY_FILLED' });
  }
  return out;
}

/** Applies trade history after the cursor and moves the cursor to the newest trade seen. */
export function applyTradeHistory(w: Work, fills: readonly Fill[]): FillEffect[] {
  const effects: FillEffect[] = [];
  for (const fill of fills) {
    effects.push(applyFill(w, fill));
    const c = w.s.fillCursor;
    if (!c || fill.time > c.time || (fill.time === c.time && fill.tradeId !== c.tradeId)) {
      w.s.fillCursor = { time: fill.time, tradeId: fill.tradeId };
    }
  }
  pruneRecentTrades(w.s);
  return effects;
}

function adoptExchangeView(w: Work, level: LevelDraft, ex: ExchangeOrder): void {
  const o = level.order!;
  o.price = ex.price ?? o.price;
  o.qty = ex.qty;
  // Our ledger may already hold fills the (earlier-read) order view does not show yet.
  o.openQty = maxDec(ex.qty.minus(maxDec(ex.filledQty, o.filledQty)), ZERO);
  o.exchangeOrderId = ex.exchangeOrderId;
  o.pending = null;
  o.uncertain = false;
  setLevelState(w, level, 'ACTIVE');
}

function settleGoneOrder(w: Work, level: LevelDraft, fate: ExchangeOrder | null): void {
  const o = level.order!;
  if (fate?.filledQty.greaterThan(o.filledQty)) {
    // Fills we have not applied yet: their trades arrive with the next history read. Keep the level.
    o.uncertain = true;
    return;
  }
  if (fate && (fate.status === 'NEW' || fate.status === 'PARTIALLY_FILLED')) {
    adoptExchangeView(w, level, fate);
    return;
  }
  if (o.side === 'buy') countPartialBuy(level, o.filledQty, w.config, w.s);
  level.order = null;
  setLevelState(w, level, 'IDLE');
}

export function syncLevelOrders(
  w: Work,
  openOrders: readonly ExchangeOrder[],
  lookups: Readonly<Record<string, ExchangeOrder | null>>,
): void {
  const open = new Map(openOrders.map((o) => [o.clientOrderId, o]));
  for (const level of w.s.levels) {
    const o = level.order;
    if (!o) continue;
    const ex = open.get(o.clientOrderId);
    const zombie = isZombie(level, w.config, w.now);
    if (ex) {
      if (level.state === 'ACTIVE' || zombie) adoptExchangeView(w, level, ex);
      continue;
    }
    if (isLocked(level) && !zombie) continue;
    if (!(o.clientOrderId in lookups)) continue; // fate unknown yet: decide next pass
    settleGoneOrder(w, level, lookups[o.clientOrderId] ?? null);
  }
}

export function adoptOrphanOrders(w: Work, ownOpen: readonly ExchangeOrder[]): void {
  const { s } = w;
  const tracked = new Set<string>();
  for (const l of s.levels) if (l.order) tracked.add(l.order.clientOrderId);
  for (const ex of ownOpen) {
    const d = decodeClientOrderId(ex.clientOrderId);
    if (d?.kind !== 'level' || tracked.has(ex.clientOrderId)) continue;
    if (d.seq >= s.nextSeq) s.nextSeq = d.seq + 1;
    const level = s.levels[d.level];
    const expectedPrice =
      level &&
      (d.side === 'buy' ? buyPriceOf(level.price, w.market.rules) : sellPriceOf(level.price, w.market.rules));
    const fits =
      level &&
      d.seq >= s.epochStartSeq &&
      level.state === 'IDLE' &&
      !level.order &&
      ex.side === d.side &&
      ex.price !== undefined &&
      expectedPrice?.equals(ex.price);
    if (fits) {
      level.order = {
        clientOrderId: ex.clientOrderId,
        exchangeOrderId: ex.exchangeOrderId,
        side: d.side,
        price: ex.price!,
        qty: ex.qty,
        filledQty: ex.filledQty,
        openQty: ex.qty.minus(ex.filledQty),
        seq: d.seq,
        pending: null,
        uncertain: false,
      };
      setLevelState(w, level, 'ACTIVE');
      tracked.add(ex.clientOrderId);
      continue;
    }
    w.commands.push({
      kind: 'CancelOrder',
      instanceId: s.instanceId,
      account: w.config.account,
      symbol: w.config.symbol,
      clientOrderId: ex.clientOrderId,
      level: null,
      reason: 'stray order of this instance that no level owns',
    });
  }
}

/** Adopts the exchange position when it has differed from the ledger on two consecutive passes. */
export function reconcilePosition(
  w: Work,
  exchangeQty: Decimal,
  entryPrice: Decimal,
  appliedFills: number,
  opts: { immediately?: boolean } = {},
): boolean {
  const { s } = w;
  if (exchangeQty.equals(s.holdings)) {
    s.positionMismatch = null;
    return false;
  }
  const seen = s.positionMismatch;
  if (!opts.immediately && (!seen || appliedFills > 0 || !seen.exchangeQty.equals(exchangeQty))) {
    s.positionMismatch = { exchangeQty, seenAt: w.now };
    return false;
  }
  alertEvent(w, 'warning', 'position_adopted', 'the exchange position differs from the ledger; adopting it', {
    ledger: s.holdings.toFixed(),
    exchange: exchangeQty.toFixed(),
  });
  const diff = exchangeQty.minus(s.holdings);
  if (diff.greaterThan(0)) s.boughtSinceFlat = s.boughtSinceFlat.plus(diff);
  else s.soldSinceFlat = s.soldSinceFlat.plus(diff.negated());
  s.holdings = exchangeQty.greaterThan(0) ? exchangeQty : ZERO;
  s.avgEntry = s.holdings.greaterThan(0) ? entryPrice : ZERO;
  s.positionMismatch = null;
  autoClearIfFlat(w);
  return true;
}
