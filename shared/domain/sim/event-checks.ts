/**
 * A strategy's promises checked on a run's event log (`events.jsonl`), independently of the engine that
 * made them: the simulator reports what this finds, and the real-data tests assert it is empty. Checks 1–2
 * are the Key Level Grid's sell guard (run when the strategy gives them, `StrategyEventChecks.sellGuard`);
 * the others hold for every strategy.
 *
 * Entry point: `checkEventLog(events, spec)` → one line per violation (empty = every promise kept).
 *
 * Checks, per instance, in event order:
 *  1. No sell is placed (or amended) at or below `avgEntry × (1 + min_profit_pct)`.
 *  2. While a position remains, coins sold since the position was last flat never exceed
 *     `sell_quota_ratio × bought + base_amount_per_grid` (a stop or close-all that flattens is allowed).
 *  3. Never two live buys at one level (of one leg, when events name their leg).
 *  4. Every price is on the tick and every quantity on the step.
 *  5. Every fill lies inside the range of the candle it is stamped in (`openTime ≤ ts < openTime + 1m`).
 *  6. Holdings after each fill equal coins bought minus coins sold.
 *  7. Protection: while holdings are above zero a stop of ours covers them (closePosition, or a quantity at
 *     least the holdings); a holding left uncovered for more than `maxUnprotectedMs` (one minute of market
 *     time) is flagged with how long it lasted. Events that name their leg (a multi-leg strategy's) are
 *     judged per leg: the leg's coins by its fills, covered by a stop placed on that leg.
 *  8. No liquidation (a fill whose reason is `liquidation`).
 *  9. At most `maxAlertsPerDay` (24) warning or critical alerts in one UTC day.
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
  readonly reason?: string | undefined;
  readonly severity?: string | undefined;
  readonly code?: string | undefined;
  readonly leg?: string | undefined;
}

export interface CheckedInstance {
  /** Checks 1–2 (the Key Level Grid's sell guard) run when it is given, whole. */
  readonly sellGuard?:
    | {
        readonly minProfitPct: Decimal;
        readonly sellQuotaRatio: Decimal;
        /**
         * One grid unit in coins; null for a grid sized in quote currency (its unit is converted at the
         * price of the day), where the largest buy order placed stands for it.
         */
        readonly baseAmountPerGrid: Decimal | null;
      }
    | undefined;
  readonly tickSize: Decimal;
  /** The quantity step in coins (the rules step × contract size). */
  readonly stepSize: Decimal;
  /** How long a holding may go without a covering stop (default one minute; omit the stop check with null). */
  readonly maxUnprotectedMs?: number | null;
  readonly maxAlertsPerDay?: number;
  /** When the run ended (an uncovered holding still open then is measured to it). */
  readonly end?: number;
  /** 1-minute candles of the instance's symbol, oldest first (omit to skip check 5). */
  readonly candles?: readonly { openTime: number; high: Decimal; low: Decimal }[] | undefined;
  readonly candleMs?: number;
}

interface Ledger {
  bought: Decimal;
  sold: Decimal;
  boughtSinceFlat: Decimal;
  soldSinceFlat: Decimal;
  /** The largest buy order placed (a quote-sized grid's unit, for the sell quota's slack). */
  largestBuy: Decimal;
  live: Map<
    string,
    { level: string | undefined; side: string | undefined; leg: string | undefined; open: Decimal }
  >;
  candle: number;
  holdings: Decimal;
  /**
   * Check 7 for events that name no leg: the holdings (as fills state them), live stops of ours (client id
   * → quantity covered, null = closePosition: covers any size), since when uncovered (null: covered or flat).
   */
  cover: Cover;
  alertsByDay: Map<string, number>;
  /** Per named leg: its coins by its fills, its stops, since when uncovered (check 7 per leg). */
  legs: Map<string, Cover>;
}

/** What check 7 watches: the instance's holdings and stops, or one named leg's. */
interface Cover {
  held: Decimal;
  stops: Map<string, Decimal | null>;
  uncoveredSince: number | null;
}

const ORDER_TYPES = new Set(['order_placed', 'order_amended', 'fill', 'stop_placed']);

/** The candle a moment falls in (`openTime ≤ ts < openTime + candleMs`), if the data has it. */
function candleOf(
  spec: CheckedInstance,
  ledger: Ledger,
  ts: number,
): { openTime: number; high: Decimal; low: Decimal } | undefined {
  const candles = spec.candles ?? [];
  const ms = spec.candleMs ?? 60_000;
  while (ledger.candle + 1 < candles.length && candles[ledger.candle + 1]!.openTime <= ts) ledger.candle++;
  const c = candles[ledger.candle];
  return c && c.openTime <= ts && ts < c.openTime + ms ? c : undefined;
}

function newLedger(): Ledger {
  return {
    bought: ZERO,
    sold: ZERO,
    boughtSinceFlat: ZERO,
    soldSinceFlat: ZERO,
    largestBuy: ZERO,
    live: new Map(),
    candle: -1,
    holdings: ZERO,
    cover: { held: ZERO, stops: new Map(), uncoveredSince: null },
    alertsByDay: new Map(),
    legs: new Map(),
  };
}

function legName(ledger: Ledger, cover: Cover): string | undefined {
  for (const [name, c] of ledger.legs) if (c === cover) return name;
  return undefined;
}

function legCover(ledger: Ledger, leg: string): Cover {
  let c = ledger.legs.get(leg);
  if (!c) {
    c = { held: ZERO, stops: new Map(), uncoveredSince: null };
    ledger.legs.set(leg, c);
  }
  return c;
}

function isCovered(cover: Cover): boolean {
  const held = cover.held.abs();
  if (!held.greaterThan(0)) return true;
  for (const qty of cover.stops.values()) if (qty === null || qty.greaterThanOrEqualTo(held)) return true;
  return false;
}

const MINUTE = 60_000;

/** Re-evaluates coverage after an event at `ts`; flags a window that ended after more than the limit. */
function trackCoverage(
  spec: CheckedInstance,
  cover: Cover,
  ts: number,
  out: string[],
  instanceId: string,
  leg?: string,
): void {
  const limit = spec.maxUnprotectedMs === undefined ? MINUTE : spec.maxUnprotectedMs;
  if (limit === null) return;
  if (isCovered(cover)) {
    if (cover.uncoveredSince !== null && ts - cover.uncoveredSince > limit) {
      out.push(
        `${instanceId} @${new Date(cover.uncoveredSince).toISOString()}: ${leg ? `the ${leg} leg's holdings` : 'holdings'} had no covering stop for ${Math.round((ts - cover.uncoveredSince) / 1000)} s`,
      );
    }
    cover.uncoveredSince = null;
  } else if (cover.uncoveredSince === null) {
    cover.uncoveredSince = ts;
  }
}

/** The cover an event concerns: its leg's when it names one, else the instance's. */
const coverOf = (ledger: Ledger, e: LoggedEvent): Cover => (e.leg ? legCover(ledger, e.leg) : ledger.cover);

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
      if (e.side === 'sell' && price && e.avgEntry !== undefined && spec.sellGuard) {
        const avg = dec(e.avgEntry);
        const floor = avg.times(spec.sellGuard.minProfitPct.plus(1));
        if (avg.greaterThan(0) && !price.greaterThan(floor))
          out.push(`${where}: sell at ${e.price} is not above avg entry × (1 + min_profit_pct) = ${floor}`);
      }
      if (e.type === 'order_placed' && e.side === 'buy') {
        if (qty?.greaterThan(ledger.largestBuy)) ledger.largestBuy = qty;
        // Orders of no level (a closer's slices, a protective close) are not grid buys.
        for (const [other, o] of e.level === undefined ? [] : ledger.live) {
          if (o.side === 'buy' && o.level === e.level && o.leg === e.leg && other !== id)
            out.push(`${where}: a second live buy at level ${e.level} (${other} is still open)`);
        }
      }
      const filled = ledger.live.get(id);
      const open = qty ?? filled?.open ?? ZERO;
      ledger.live.set(id, { level: e.level, side: e.side, leg: e.leg, open });
      return;
    }
    case 'order_cancelled':
      ledger.live.delete(id);
      return;
    case 'stop_placed': {
      const cover = coverOf(ledger, e);
      cover.stops.set(id, qty ?? null);
      trackCoverage(spec, cover, e.ts, out, e.instanceId, e.leg);
      return;
    }
    case 'stop_cancelled':
      // A cancel names no leg: the stop goes from whichever leg holds it.
      for (const cover of [ledger.cover, ...ledger.legs.values()])
        if (cover.stops.delete(id))
          trackCoverage(spec, cover, e.ts, out, e.instanceId, legName(ledger, cover));
      return;
    case 'alert': {
      // Journal-only warnings (a call whose outcome is unknown) reach nobody's inbox: not part of a storm.
      if ((e.severity !== 'warning' && e.severity !== 'critical') || e.code === 'unknown_outcome') return;
      const day = new Date(e.ts).toISOString().slice(0, 10);
      const n = (ledger.alertsByDay.get(day) ?? 0) + 1;
      ledger.alertsByDay.set(day, n);
      const max = spec.maxAlertsPerDay ?? 24;
      if (n === max + 1)
        out.push(`${e.instanceId} ${day}: more than ${max} warning/critical alerts in one day`);
      return;
    }
    case 'fill': {
      if (!qty || !price) return;
      if (e.reason === 'liquidation') out.push(`${where}: the position was liquidated at ${e.price}`);
      // A stop that fills is gone (a grid order's id is never a stop's).
      for (const cover of [ledger.cover, ...ledger.legs.values()]) cover.stops.delete(id);
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
      ledger.holdings = holdings ?? net;
      if (e.leg) {
        // A leg's coins by its own fills (either sign: a short leg's are negative).
        const cover = legCover(ledger, e.leg);
        cover.held = e.side === 'buy' ? cover.held.plus(qty) : cover.held.minus(qty);
        trackCoverage(spec, cover, e.ts, out, e.instanceId, e.leg);
      } else {
        ledger.cover.held = ledger.holdings;
        trackCoverage(spec, ledger.cover, e.ts, out, e.instanceId);
      }
      if (holdings && !holdings.equals(net))
        out.push(`${where}: holdings ${e.holdings} ≠ bought − sold = ${net}`);
      if (holdings?.isZero()) {
        ledger.boughtSinceFlat = ZERO;
        ledger.soldSinceFlat = ZERO;
      } else if (e.side === 'sell' && spec.sellGuard) {
        const { sellQuotaRatio, baseAmountPerGrid } = spec.sellGuard;
        const cap = ledger.boughtSinceFlat.times(sellQuotaRatio).plus(baseAmountPerGrid ?? ledger.largestBuy);
        if (ledger.soldSinceFlat.greaterThan(cap))
          out.push(
            `${where}: sold ${ledger.soldSinceFlat} since flat exceeds quota × bought + one unit = ${cap}`,
          );
      }
      if (spec.candles) {
        const c = candleOf(spec, ledger, e.ts);
        if (!c) out.push(`${where}: fill outside the candle data`);
        else {
          // Until a candle closes the replay's market is where the previous one closed, and the paper book
          // is one tick wide around it: a taker stamped inside this candle trades there (a gap between the
          // two candles included), never further than one tick beyond either candle.
          const prev = ledger.candle > 0 ? spec.candles[ledger.candle - 1] : undefined;
          const within = (k: { high: Decimal; low: Decimal }) =>
            !price.lessThan(k.low.minus(spec.tickSize)) && !price.greaterThan(k.high.plus(spec.tickSize));
          if (
            !within(c) &&
            !(prev && prev.openTime + (spec.candleMs ?? 60_000) === c.openTime && within(prev))
          )
            out.push(`${where}: fill at ${e.price} outside its candle [${c.low}, ${c.high}]`);
        }
      }
      return;
    }
  }
}

/** Checks one instance's events (in log order); returns one line per violation. */
export function checkEventLog(events: readonly LoggedEvent[], spec: CheckedInstance): string[] {
  const out: string[] = [];
  const ledger = newLedger();
  for (const e of events) checkOne(e, spec, ledger, out);
  const last = events[events.length - 1];
  const end = spec.end ?? last?.ts;
  if (end !== undefined)
    for (const cover of [ledger.cover, ...ledger.legs.values()])
      if (cover.uncoveredSince !== null) {
        cover.stops.set('(end of run)', null);
        trackCoverage(spec, cover, end, out, last?.instanceId ?? '', legName(ledger, cover));
      }
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

/**
 * The longest time (ms) the holdings went without a covering stop over an event log (the measure behind
 * check 7, for reports and the chaos suite), up to `end` when a window is still open then.
 */
export function longestUncoveredMs(events: readonly LoggedEvent[], end?: number): number {
  const ledger = newLedger();
  const spec: CheckedInstance = {
    tickSize: ZERO,
    stepSize: ZERO,
    maxUnprotectedMs: null,
  };
  let longest = 0;
  const covers = () => [ledger.cover, ...ledger.legs.values()];
  const measure = (ts: number) => {
    for (const c of covers())
      if (c.uncoveredSince !== null) longest = Math.max(longest, ts - c.uncoveredSince);
  };
  for (const e of events) {
    measure(e.ts);
    checkOne(e, spec, ledger, []);
    for (const c of covers()) {
      if (isCovered(c)) c.uncoveredSince = null;
      else c.uncoveredSince ??= e.ts;
    }
  }
  const last = end ?? events[events.length - 1]?.ts;
  if (last !== undefined) measure(last);
  return longest;
}
