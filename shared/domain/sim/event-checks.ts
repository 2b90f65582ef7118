/**
 * The Key Level Grid's promises checked on a run's event log (`events.jsonl`), independently of the
 * engine that made them: the simulator reports what this finds, and the real-data tests assert it is empty.
 *
 * Entry point: `checkEventLog(events, spec)` → one line per violation (empty = every promise kept).
 *
 * Checks, per instance, in event order:
 *  1. No sell is placed (or amended) at or below `avgEntry × (1 + min_profit_pct)`.
 *  2. While a position remains, coins sold since the position was last flat never exceed
 *     `sell_quota_ratio × bought + base_amount_per_grid` (a stop or close-all that flattens is allowed).
 *  3. Never two live buys at one level.
 *  4. Every price is on the tick and every quantity on the step.
 *  5. Every fill lies inside the range of the candle it happened in (the last candle closed at or before it).
 *  6. Holdings after each fill equal coins bought minus coins sold.
 */
import { type Decimal, dec, isMultipleOf, ZERO } from '../money.js';

/** The fields of a trading event the checks read (a `TradingEvent` fits). */
export interface LoggedEvent {
  readonly ts: number;
  readonly type: string;
  readonly instanceId: string;
  readonly side?: 'buy' | 'sell' | undefined;
  readonly price?: string | undefined;
  readonly qty?: string | undefined;
  readonly level?: string | undefined;
  readonly clientOrderId?: string | undefined;
  readonly holdings?: string | undefined;
  readonly avgEntry?: string | undefined;
}

export interface CheckedInstance {
  readonly minProfitPct: Decimal;
  readonly sellQuotaRatio: Decimal;
  readonly baseAmountPerGrid: Decimal;
  readonly tickSize: Decimal;
  readonly stepSize: Decimal;
  /** 1-minute candles of the instance's symbol, oldest first (omit to skip check 5). */
  readonly candles?: readonly { openTime: number; high: Decimal; low: Decimal }[] | undefined;
  readonly candleMs?: number;
}

interface Ledger {
  bought: Decimal;
  sold: Decimal;
  boughtSinceFlat: Decimal;
  soldSinceFlat: Decimal;
  live: Map<string, { level: string | undefined; side: string | undefined; open: Decimal }>;
  candle: number;
}

const ORDER_TYPES = new Set(['order_placed', 'order_amended', 'fill', 'stop_placed']);

function candleOf(
  spec: CheckedInstance,
  ledger: Ledger,
  ts: number,
): { openTime: number; high: Decimal; low: Decimal } | undefined {
  const candles = spec.candles ?? [];
  const ms = spec.candleMs ?? 60_000;
  while (ledger.candle + 1 < candles.length && candles[ledger.candle + 1]!.openTime + ms <= ts)
    ledger.candle++;
  const c = candles[ledger.candle];
  return c && c.openTime + ms <= ts ? c : undefined;
}

function checkOne(e: LoggedEvent, spec: CheckedInstance, ledger: Ledger, out: string[]): void {
  const where = `${e.instanceId} @${new Date(e.ts).toISOString()} ${e.type}${e.clientOrderId ? ` ${e.clientOrderId}` : ''}`;
  const price = e.price === undefined ? undefined : dec(e.price);
  const qty = e.qty === undefined ? undefined : dec(e.qty);
  if (ORDER_TYPES.has(e.type)) {
    if (price && !isMultipleOf(price, spec.tickSize))
      out.push(`${where}: price ${e.price} is off the tick ${spec.tickSize}`);
    if (qty && !isMultipleOf(qty, spec.stepSize))
      out.push(`${where}: qty ${e.qty} is off the step ${spec.stepSize}`);
  }
  const id = e.clientOrderId ?? '';
  switch (e.type) {
    case 'order_placed':
    case 'order_amended': {
      if (e.side === 'sell' && price && e.avgEntry !== undefined) {
        const avg = dec(e.avgEntry);
        const floor = avg.times(spec.minProfitPct.plus(1));
        if (avg.greaterThan(0) && !price.greaterThan(floor))
          out.push(`${where}: sell at ${e.price} is not above avg entry × (1 + min_profit_pct) = ${floor}`);
      }
      if (e.type === 'order_placed' && e.side === 'buy') {
        for (const [other, o] of ledger.live) {
          if (o.side === 'buy' && o.level === e.level && other !== id)
            out.push(`${where}: a second live buy at level ${e.level} (${other} is still open)`);
        }
      }
      const filled = ledger.live.get(id);
      const open = qty ?? filled?.open ?? ZERO;
      ledger.live.set(id, { level: e.level, side: e.side, open });
      return;
    }
    case 'order_cancelled':
      ledger.live.delete(id);
      return;
    case 'fill': {
      if (!qty || !price) return;
      const o = ledger.live.get(id);
      if (o) {
        const left = o.open.minus(qty);
        if (left.greaterThan(0)) ledger.live.set(id, { ...o, open: left });
        else ledger.live.delete(id);
      }
      if (e.side === 'buy') {
        ledger.bought = ledger.bought.plus(qty);
        ledger.boughtSinceFlat = ledger.boughtSinceFlat.plus(qty);
      } else {
        ledger.sold = ledger.sold.plus(qty);
        ledger.soldSinceFlat = ledger.soldSinceFlat.plus(qty);
      }
      const holdings = e.holdings === undefined ? undefined : dec(e.holdings);
      const net = ledger.bought.minus(ledger.sold);
      if (holdings && !holdings.equals(net))
        out.push(`${where}: holdings ${e.holdings} ≠ bought − sold = ${net}`);
      if (holdings?.isZero()) {
        ledger.boughtSinceFlat = ZERO;
        ledger.soldSinceFlat = ZERO;
      } else if (e.side === 'sell') {
        const cap = ledger.boughtSinceFlat.times(spec.sellQuotaRatio).plus(spec.baseAmountPerGrid);
        if (ledger.soldSinceFlat.greaterThan(cap))
          out.push(
            `${where}: sold ${ledger.soldSinceFlat} since flat exceeds quota × bought + one unit = ${cap}`,
          );
      }
      if (spec.candles) {
        const c = candleOf(spec, ledger, e.ts);
        if (!c) out.push(`${where}: fill before the first candle`);
        else if (price.lessThan(c.low) || price.greaterThan(c.high))
          out.push(`${where}: fill at ${e.price} outside its candle [${c.low}, ${c.high}]`);
      }
      return;
    }
  }
}

/** Checks one instance's events (in log order); returns one line per violation. */
export function checkEventLog(events: readonly LoggedEvent[], spec: CheckedInstance): string[] {
  const out: string[] = [];
  const ledger: Ledger = {
    bought: ZERO,
    sold: ZERO,
    boughtSinceFlat: ZERO,
    soldSinceFlat: ZERO,
    live: new Map(),
    candle: -1,
  };
  for (const e of events) checkOne(e, spec, ledger, out);
  return out;
}

/** Coins bought minus coins sold over the fills of an event log. */
export function netFilled(events: readonly LoggedEvent[]): Decimal {
  let net = ZERO;
  for (const e of events) {
    if (e.type !== 'fill' || e.qty === undefined) continue;
    net = e.side === 'buy' ? net.plus(dec(e.qty)) : net.minus(dec(e.qty));
  }
  return net;
}
