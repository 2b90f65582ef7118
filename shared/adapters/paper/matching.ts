/**
 * Price movement against resting orders and algo orders.
 *
 * Entry points:
 *  - `walkLastPrice(core, market, to, gap)`: the last price moves from where it was to `to`. Continuous
 *    (`gap = false`, a path segment inside a candle): orders are reached in price order; a resting limit
 *    fills in full at its own price as maker (queue-free, unlimited liquidity); a CONTRACT_PRICE stop fires
 *    at the price where the path crosses its trigger. A jump (`gap = true`, a candle's open after the
 *    previous close, or a trade tick): everything crossed fills at once at `to`, the first price traded
 *    beyond it — a resting limit jumped over fills at that better price, so fills stay inside the range
 *    the candle traded (a limit already crossed when a segment starts fills at the segment's start).
 *    `timeAt(price)`, when given, says when the walk passes a price: each crossing then happens at that
 *    time (`core.eventTime`), so fills and triggers along a candle carry their moment inside it — but never
 *    before the order's last placement or amendment (a candle is replayed at its close, after orders placed
 *    while it ran).
 *  - `walkMark(core, market, to)`: the mark moves; MARK_PRICE algo orders crossed fire at the last price.
 *  - `fillFromTrade(core, market, trade)`: a market trade tick fills resting orders it crosses, sharing
 *    the trade's quantity in book priority (partial fills); the caller then walks the last price with
 *    `limits = false` so stops fire at the trade price.
 *
 * Invariants: no fill of a walk lies outside [min(from, to), max(from, to)] (before slippage on stops);
 * closes never exceed the position (`closableQty`), the rest expires.
 */
import type { Decimal } from '../../domain/money.js';
import { fireAlgo, triggerCondition } from './algo-orders.js';
import { accountOf, closableQty, executeFill, finishOrder } from './fills.js';
import type { AlgoRecord, EngineCore, MarketState, OrderRecord } from './state.js';
import type { BinanceWorkingType } from './types.js';

type Crossing =
  | { readonly kind: 'limit'; readonly at: Decimal; readonly order: OrderRecord }
  | { readonly kind: 'algo'; readonly at: Decimal; readonly algo: AlgoRecord };

function crossedAlgos(
  market: MarketState,
  working: BinanceWorkingType,
  from: Decimal | undefined,
  to: Decimal,
  out: Crossing[],
): void {
  for (const a of market.algos) {
    if (a.workingType !== working) continue;
    if (!triggerCondition(a.orderType, a.side, a.triggerPrice, to)) continue;
    // Already satisfied at `from` means it fired (or was placed) earlier: only a crossing counts, except
    // for the very first price ever seen.
    if (
      from !== undefined &&
      triggerCondition(a.orderType, a.side, a.triggerPrice, from) &&
      !from.equals(a.triggerPrice)
    ) {
      out.push({ kind: 'algo', at: from, algo: a });
      continue;
    }
    out.push({ kind: 'algo', at: a.triggerPrice, algo: a });
  }
}

/** Read through a function: `executeFill` mutates the status behind TypeScript's narrowing. */
function isFilled(o: OrderRecord): boolean {
  return o.status === 'FILLED';
}

function fillLimitInFull(core: EngineCore, o: OrderRecord, price: Decimal): void {
  if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') return;
  const account = accountOf(core, o.accountId);
  const remaining = o.origQty.minus(o.executedQty);
  const qty = closableQty(account, o, remaining);
  if (qty.greaterThan(0)) executeFill(core, o, qty, price, { maker: true });
  if (!isFilled(o)) finishOrder(core, account, o, 'EXPIRED');
}

function process(
  core: EngineCore,
  crossings: Crossing[],
  down: boolean,
  fillAt: (c: Crossing) => Decimal,
  timeAt?: (price: Decimal) => number,
): void {
  crossings.sort((x, y) => {
    const c = x.at.comparedTo(y.at);
    if (c !== 0) return down ? -c : c;
    if (x.kind !== y.kind) return x.kind === 'limit' ? -1 : 1;
    if (x.kind === 'limit' && y.kind === 'limit') return x.order.seq - y.order.seq;
    return (x as { algo: AlgoRecord }).algo.algoId - (y as { algo: AlgoRecord }).algo.algoId;
  });
  const base = core.eventTime;
  for (const c of crossings) {
    const at = timeAt ? timeAt(c.at) : base;
    // A candle is replayed at its close: an order placed (or amended) while it ran fills no earlier than that.
    if (at !== undefined)
      core.eventTime = Math.max(at, c.kind === 'limit' ? c.order.updateTime : c.algo.updateTime);
    if (c.kind === 'limit') fillLimitInFull(core, c.order, fillAt(c));
    else if (c.algo.status === 'NEW') fireAlgo(core, c.algo, fillAt(c));
  }
  core.eventTime = base;
}

export function walkLastPrice(
  core: EngineCore,
  market: MarketState,
  to: Decimal,
  gap: boolean,
  limits = true,
  timeAt?: (price: Decimal) => number,
): void {
  const from = market.last;
  if (from?.equals(to)) return;
  const down = from === undefined ? false : to.lessThan(from);
  const crossings: Crossing[] = [];
  if (limits && (from === undefined || down)) {
    for (const o of market.buys) {
      if (o.price.lessThan(to)) break;
      crossings.push({
        kind: 'limit',
        at: from !== undefined && o.price.greaterThan(from) ? from : o.price,
        order: o,
      });
    }
  }
  if (limits && (from === undefined || !down)) {
    for (const o of market.sells) {
      if (o.price.greaterThan(to)) break;
      crossings.push({
        kind: 'limit',
        at: from !== undefined && o.price.lessThan(from) ? from : o.price,
        order: o,
      });
    }
  }
  if (market.algos.length > 0) crossedAlgos(market, 'CONTRACT_PRICE', from, to, crossings);
  market.last = to;
  if (crossings.length === 0) return;
  process(core, crossings, down, (c) => (gap ? to : c.at), timeAt);
}

export function walkMark(core: EngineCore, market: MarketState, to: Decimal): void {
  const from = market.mark;
  market.mark = to;
  if (market.algos.length === 0 || from?.equals(to)) return;
  const crossings: Crossing[] = [];
  crossedAlgos(market, 'MARK_PRICE', from, to, crossings);
  if (crossings.length === 0) return;
  const last = market.last ?? to;
  process(core, crossings, from !== undefined && to.lessThan(from), () => last);
}

export interface TradeTick {
  readonly price: Decimal;
  readonly qty: Decimal;
  /** True when the seller was the taker (Binance `m` / `is_buyer_maker`). */
  readonly buyerIsMaker: boolean;
}

/**
 * A resting BUY at L fills from a trade at P when P < L, or P = L and the seller took; a SELL mirrors it.
 * The trade's quantity is shared in book priority; each order takes what is left, as maker at its price.
 */
export function fillFromTrade(core: EngineCore, market: MarketState, t: TradeTick): void {
  let available = t.qty;
  const eligibleBuys: OrderRecord[] = [];
  for (const o of market.buys) {
    const c = o.price.comparedTo(t.price);
    if (c < 0 || (c === 0 && !t.buyerIsMaker)) break;
    eligibleBuys.push(o);
  }
  const eligibleSells: OrderRecord[] = [];
  for (const o of market.sells) {
    const c = o.price.comparedTo(t.price);
    if (c > 0 || (c === 0 && t.buyerIsMaker)) break;
    eligibleSells.push(o);
  }
  for (const o of [...eligibleBuys, ...eligibleSells]) {
    if (!available.greaterThan(0)) break;
    if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') continue;
    const account = accountOf(core, o.accountId);
    const remaining = o.origQty.minus(o.executedQty);
    const want = remaining.lessThan(available) ? remaining : available;
    const qty = closableQty(account, o, want);
    if (qty.greaterThan(0)) {
      executeFill(core, o, qty, o.price, { maker: true });
      available = available.minus(qty);
    }
    if (qty.lessThan(want) && !isFilled(o)) finishOrder(core, account, o, 'EXPIRED');
  }
}
