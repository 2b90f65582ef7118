/**
 * The figures a trader reads first in a simulation report, from the run's fills and equity samples. Pure:
 * no I/O, no clock; money is `Decimal` throughout (serialized by the caller), ratios are numbers.
 *
 * Entry points: `matchRoundTrips` (round trips, per-fill trade rows, per-level table),
 * `drawdownOf`, `periodRows` (daily and weekly breakdown), `ratiosOf` (Sharpe, Sortino, Calmar),
 * `conditionEpisodes` / `blockingOf` (what held trading back, and for how long), `performanceOf` (all of it).
 *
 * Definitions (what the report and summary.json call them):
 *  - Trading PnL = the exchange's realized + unrealized PnL of the instance's legs, minus its trading fees
 *    (funding and the liquidation clearance fee are separate lines).
 *  - Grid profit = the net profit of completed round trips: each fill that reduces a leg's position is
 *    matched against the newest open lots of that leg (last in, first out: a grid's sell pairs with the buy
 *    just below it, as grid bots count their grid profit; the older, dearer lots stay inventory), per `leg`
 *    so a hedge's long and short legs do not match each other; a matched piece of q earns (exit − entry)·q on a long lot, (entry − exit)·q on a
 *    short lot, minus the fees of both fills pro rata to q. A fill that reduces more than is open opens a lot
 *    the other way with the rest.
 *  - Inventory PnL = trading PnL − grid profit: the mark-to-market of the inventory still held, the fees of
 *    quantities not (yet) matched, and whatever the fills do not explain (a position opened by hand). The
 *    two add up exactly to trading PnL by construction (grid profit is taken to 12 decimal places first).
 *  - Return % = (end equity − start balance) / start balance; buy-and-hold % = last close / first open − 1
 *    of the instance's first market over the same period.
 *  - Max drawdown: the largest fall of equity from its running peak, as a fraction of the peak, over the
 *    samples given; its duration is the longest stretch from a peak until equity regains it (or the end).
 *  - Daily equity = the last sample of each UTC day (one at exactly midnight closes the day before); a day's return is its close over the previous day's
 *    close (the start balance for the first day), so the daily PnL sums to end equity − start balance.
 *    Weeks are ISO weeks (Monday 00:00 UTC).
 *  - Sharpe = mean / sample standard deviation of daily returns × √365; Sortino = mean / downside deviation
 *    (√(Σ min(r,0)² / n)) × √365; risk-free rate 0. Calmar = annualized return / max drawdown, annualized as
 *    (end / start)^(365 days / period) − 1. Each is `null` when undefined (fewer than two days, zero
 *    variance, no down day, no drawdown, start balance ≤ 0), never NaN or Infinity.
 *  - Profit factor = Σ profits of winning round trips / |Σ losses of losing ones|, per closing fill; `null`
 *    when there is no losing round trip (then `grossLoss` is 0).
 *  - Per level: fills at the level (the level the order served, else its price); the round-trip profit is
 *    credited to the level the lot was opened at; time locked = Σ over the lots opened there of the time
 *    until their last piece was closed (the end of the run for a lot still open).
 */
import { compareDec, type Decimal, dec, minDec, sumDec, ZERO } from '../money.js';

export const DAY_MS = 86_400_000;
/** Grid profit is carried to this many decimal places, so grid profit + inventory PnL is exact. */
export const GRID_PROFIT_PLACES = 12;

export interface PerfFill {
  readonly ts: number;
  readonly side: 'buy' | 'sell';
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly fee: Decimal;
  readonly reason?: string | undefined;
  /** The level price the order served. */
  readonly level?: string | undefined;
  /** The leg (role) of a multi-leg strategy. */
  readonly leg?: string | undefined;
}

export interface EquityPoint {
  readonly t: number;
  readonly equity: Decimal;
}

export interface TradeRow {
  readonly t: number;
  readonly side: 'buy' | 'sell';
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly fee: Decimal;
  readonly reason: string;
  readonly level: string;
  readonly leg: string;
  /** The quantity this fill closed (matched against open lots); 0 for a fill that only opened. */
  readonly closedQty: Decimal;
  /** The net profit of the round trips this fill completed, `null` when it closed nothing. */
  readonly roundTripProfit: Decimal | null;
}

export interface LevelRow {
  readonly level: string;
  readonly buys: number;
  readonly sells: number;
  readonly boughtQty: Decimal;
  readonly soldQty: Decimal;
  readonly fees: Decimal;
  /** Round trips completed on lots opened at this level. */
  readonly roundTrips: number;
  readonly profit: Decimal;
  readonly timeLockedMs: number;
}

export interface RoundTrips {
  readonly trades: readonly TradeRow[];
  readonly levels: readonly LevelRow[];
  readonly gridProfit: Decimal;
  /** Σ profits of winning closing fills and |Σ| of losing ones. */
  readonly grossProfit: Decimal;
  readonly grossLoss: Decimal;
  readonly wins: number;
  readonly losses: number;
  /** Quantity still open per leg (signed: long positive) after the last fill. */
  readonly openQty: Readonly<Record<string, Decimal>>;
}

interface Lot {
  readonly ts: number;
  readonly price: Decimal;
  readonly qty: Decimal;
  left: Decimal;
  readonly fee: Decimal;
  readonly level: string;
  readonly dir: 1 | -1;
  closedAt: number | null;
}

const levelOf = (f: PerfFill): string => f.level ?? f.price.toFixed();

/** Round trips per leg, newest lot first (LIFO); `end` closes the time locked of lots still open. */
export function matchRoundTrips(fills: readonly PerfFill[], end: number): RoundTrips {
  const books = new Map<string, Lot[]>();
  const allLots: Lot[] = [];
  const levelStats = new Map<
    string,
    {
      buys: number;
      sells: number;
      bought: Decimal;
      sold: Decimal;
      fees: Decimal;
      trips: number;
      profit: Decimal;
    }
  >();
  const stat = (level: string) => {
    let s = levelStats.get(level);
    if (!s) {
      s = { buys: 0, sells: 0, bought: ZERO, sold: ZERO, fees: ZERO, trips: 0, profit: ZERO };
      levelStats.set(level, s);
    }
    return s;
  };
  const trades: TradeRow[] = [];
  let gridProfit = ZERO;
  let grossProfit = ZERO;
  let grossLoss = ZERO;
  let wins = 0;
  let losses = 0;
  const ordered = [...fills].sort((a, b) => a.ts - b.ts);
  for (const f of ordered) {
    const leg = f.leg ?? '';
    const book = books.get(leg) ?? [];
    books.set(leg, book);
    const dir: 1 | -1 = f.side === 'buy' ? 1 : -1;
    const level = levelOf(f);
    const ls = stat(level);
    if (f.side === 'buy') {
      ls.buys += 1;
      ls.bought = ls.bought.plus(f.qty);
    } else {
      ls.sells += 1;
      ls.sold = ls.sold.plus(f.qty);
    }
    ls.fees = ls.fees.plus(f.fee);
    let rest = f.qty;
    let closed = ZERO;
    let profit = ZERO;
    while (rest.greaterThan(0) && book.length > 0 && book[book.length - 1]!.dir !== dir) {
      const lot = book[book.length - 1]!;
      const q = minDec(rest, lot.left);
      const gross = f.price.minus(lot.price).times(q).times(lot.dir);
      const fees = lot.fee.times(q).dividedBy(lot.qty).plus(f.fee.times(q).dividedBy(f.qty));
      const piece = gross.minus(fees);
      profit = profit.plus(piece);
      const entry = stat(lot.level);
      entry.trips += 1;
      entry.profit = entry.profit.plus(piece);
      lot.left = lot.left.minus(q);
      rest = rest.minus(q);
      closed = closed.plus(q);
      if (lot.left.isZero()) {
        lot.closedAt = f.ts;
        book.pop();
      }
    }
    if (rest.greaterThan(0)) {
      // The fee of the part that opens stays with the lot (pro rata), matched when the lot closes.
      const lotFee = f.qty.isZero() ? ZERO : f.fee.times(rest).dividedBy(f.qty);
      const lot: Lot = {
        ts: f.ts,
        price: f.price,
        qty: rest,
        left: rest,
        fee: lotFee,
        level,
        dir,
        closedAt: null,
      };
      book.push(lot);
      allLots.push(lot);
    }
    const completed = closed.greaterThan(0);
    if (completed) {
      gridProfit = gridProfit.plus(profit);
      if (profit.greaterThan(0)) {
        grossProfit = grossProfit.plus(profit);
        wins += 1;
      } else if (profit.lessThan(0)) {
        grossLoss = grossLoss.plus(profit.negated());
        losses += 1;
      }
    }
    trades.push({
      t: f.ts,
      side: f.side,
      price: f.price,
      qty: f.qty,
      fee: f.fee,
      reason: f.reason ?? '',
      level,
      leg,
      closedQty: closed,
      roundTripProfit: completed ? profit : null,
    });
  }
  const locked = new Map<string, number>();
  for (const lot of allLots)
    locked.set(lot.level, (locked.get(lot.level) ?? 0) + Math.max(0, (lot.closedAt ?? end) - lot.ts));
  const levels: LevelRow[] = [...levelStats]
    .map(([level, s]) => ({
      level,
      buys: s.buys,
      sells: s.sells,
      boughtQty: s.bought,
      soldQty: s.sold,
      fees: s.fees,
      roundTrips: s.trips,
      profit: s.profit,
      timeLockedMs: locked.get(level) ?? 0,
    }))
    .sort((a, b) => safeCompare(b.level, a.level));
  const openQty: Record<string, Decimal> = {};
  for (const [leg, book] of books) openQty[leg] = sumDec(book.map((l) => l.left.times(l.dir)));
  return { trades, levels, gridProfit, grossProfit, grossLoss, wins, losses, openQty };
}

/** Orders level keys by price when both are numbers, else as text. */
function safeCompare(a: string, b: string): number {
  try {
    return dec(a).comparedTo(dec(b));
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

export interface Drawdown {
  /** Largest fall from the running peak, as a fraction of the peak (0 … 1). */
  readonly max: Decimal;
  readonly peakAt: number | null;
  readonly troughAt: number | null;
  /** When equity regained the peak before the deepest trough; `null` if it never did. */
  readonly recoveredAt: number | null;
  /** The longest time spent below a previous peak (ms), to the end for one still open. */
  readonly longestMs: number;
  readonly longestFrom: number | null;
  readonly longestTo: number | null;
}

export function drawdownOf(points: readonly EquityPoint[]): Drawdown {
  let peak: Decimal | null = null;
  let peakAt = 0;
  let max = ZERO;
  let maxPeakAt: number | null = null;
  let troughAt: number | null = null;
  let recoveredAt: number | null = null;
  let waitingRecovery = false;
  let underSince: number | null = null;
  let longestMs = 0;
  let longestFrom: number | null = null;
  let longestTo: number | null = null;
  const closeSpell = (at: number) => {
    if (underSince === null) return;
    if (at - underSince > longestMs) {
      longestMs = at - underSince;
      longestFrom = underSince;
      longestTo = at;
    }
    underSince = null;
  };
  // The lowest equity since the peak: the drawdown from a peak can only grow at a new low.
  let low: Decimal | null = null;
  for (const p of points) {
    if (peak === null || compareDec(p.equity, peak) >= 0) {
      closeSpell(p.t);
      if (waitingRecovery && peak !== null) {
        recoveredAt = p.t;
        waitingRecovery = false;
      }
      peak = p.equity;
      peakAt = p.t;
      low = null;
      continue;
    }
    if (underSince === null) underSince = peakAt;
    if (low !== null && compareDec(p.equity, low) >= 0) continue;
    low = p.equity;
    if (peak.greaterThan(0)) {
      const down = peak.minus(p.equity).dividedBy(peak);
      if (down.greaterThan(max)) {
        max = down;
        maxPeakAt = peakAt;
        troughAt = p.t;
        recoveredAt = null;
        waitingRecovery = true;
      }
    }
  }
  const last = points[points.length - 1];
  if (last) closeSpell(last.t);
  return { max, peakAt: maxPeakAt, troughAt, recoveredAt, longestMs, longestFrom, longestTo };
}

export interface PeriodRow {
  /** `YYYY-MM-DD`: the UTC day, or the Monday starting the ISO week. */
  readonly period: string;
  readonly from: number;
  readonly openEquity: Decimal;
  readonly closeEquity: Decimal;
  readonly pnl: Decimal;
  /** pnl / open equity, `null` when the open equity is not positive. */
  readonly returnPct: Decimal | null;
  readonly fills: number;
  readonly buys: number;
  readonly sells: number;
  readonly fees: Decimal;
  readonly gridProfit: Decimal;
  readonly funding: Decimal;
}

/**
 * The UTC day an instant closes: a sample at exactly 00:00:00.000 is the state the previous day ended in (the
 * simulator samples after each minute's candle, stamped with its close time), so it counts there.
 */
const dayOf = (t: number): number => Math.floor((t - 1) / DAY_MS) * DAY_MS;
/** Monday 00:00 UTC of the ISO week holding the day of `t` (1970-01-01 was a Thursday). */
const weekOf = (t: number): number => {
  const d = dayOf(t);
  const dow = (Math.floor(d / DAY_MS) + 3) % 7; // 0 = Monday
  return d - dow * DAY_MS;
};
const dateText = (t: number): string => new Date(t).toISOString().slice(0, 10);

export interface FundingPoint {
  readonly t: number;
  readonly amount: Decimal;
}

/**
 * Per UTC day (or ISO week): equity at the open and close, PnL, return, fills, fees, grid profit and funding.
 * Periods are those holding an equity sample, in order; the first opens at `startBalance`.
 */
export function periodRows(
  equity: readonly EquityPoint[],
  startBalance: Decimal,
  trades: readonly TradeRow[],
  funding: readonly FundingPoint[],
  unit: 'day' | 'week',
): PeriodRow[] {
  const keyOf = unit === 'day' ? dayOf : weekOf;
  const closes = new Map<number, Decimal>();
  for (const p of equity) closes.set(keyOf(p.t), p.equity);
  const keys = [...closes.keys()].sort((a, b) => a - b);
  const byKey = <T>(items: readonly T[], at: (x: T) => number) => {
    const m = new Map<number, T[]>();
    for (const x of items) {
      const k = keyOf(at(x));
      const list = m.get(k) ?? [];
      list.push(x);
      m.set(k, list);
    }
    return m;
  };
  const tradesBy = byKey(trades, (x) => x.t);
  const fundingBy = byKey(funding, (x) => x.t);
  const rows: PeriodRow[] = [];
  let open = startBalance;
  for (const k of keys) {
    const close = closes.get(k)!;
    const ts = tradesBy.get(k) ?? [];
    const pnl = close.minus(open);
    rows.push({
      period: dateText(k),
      from: k,
      openEquity: open,
      closeEquity: close,
      pnl,
      returnPct: open.greaterThan(0) ? pnl.dividedBy(open).times(100) : null,
      fills: ts.length,
      buys: ts.filter((x) => x.side === 'buy').length,
      sells: ts.filter((x) => x.side === 'sell').length,
      fees: sumDec(ts.map((x) => x.fee)),
      gridProfit: sumDec(ts.map((x) => x.roundTripProfit ?? ZERO)),
      funding: sumDec((fundingBy.get(k) ?? []).map((x) => x.amount)),
    });
    open = close;
  }
  // Trades and funding outside any sampled period (none in a normal run) would be lost: none are expected.
  return rows;
}

export interface Ratios {
  readonly days: number;
  readonly meanDailyReturn: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly annualizedReturn: number | null;
  readonly calmar: number | null;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Sharpe and Sortino from daily returns (fractions), Calmar from the period's growth and max drawdown. */
export function ratiosOf(
  dailyReturns: readonly number[],
  growth: { start: Decimal; end: Decimal; periodMs: number },
  maxDrawdown: Decimal,
): Ratios {
  const n = dailyReturns.length;
  const mean = n > 0 ? dailyReturns.reduce((a, b) => a + b, 0) / n : null;
  let sharpe: number | null = null;
  let sortino: number | null = null;
  if (mean !== null && n >= 2) {
    const variance = dailyReturns.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1);
    const sd = Math.sqrt(variance);
    // A spread below float noise of the mean is no spread: the ratio would be noise.
    if (sd > 1e-12 * Math.max(1, Math.abs(mean))) sharpe = finite((mean / sd) * Math.sqrt(365));
    const downside = Math.sqrt(dailyReturns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / n);
    if (downside > 1e-12) sortino = finite((mean / downside) * Math.sqrt(365));
  }
  let annualized: number | null = null;
  if (growth.start.greaterThan(0) && growth.periodMs > 0) {
    const ratio = growth.end.dividedBy(growth.start).toNumber();
    annualized = ratio <= 0 ? -1 : finite(ratio ** ((365 * DAY_MS) / growth.periodMs) - 1);
  }
  const calmar =
    annualized !== null && maxDrawdown.greaterThan(0) ? finite(annualized / maxDrawdown.toNumber()) : null;
  return { days: n, meanDailyReturn: mean, sharpe, sortino, annualizedReturn: annualized, calmar };
}

export interface AlertInput {
  readonly ts: number;
  readonly code: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
}

export interface ConditionEpisode {
  readonly code: string;
  readonly severity: 'warning' | 'critical';
  readonly message: string;
  readonly from: number;
  /** When `<code>_resolved` cleared it; `null` when it was still raised at the end of the run. */
  readonly to: number | null;
  readonly durationMs: number;
}

/**
 * Persistent conditions from the alert log: a warning or critical alert opens an episode of its code, the
 * `<code>_resolved` alert closes it (the end of the run closes one still open). One-off alerts with no
 * resolution also appear, open to the end: the report says they were never cleared.
 */
export function conditionEpisodes(alerts: readonly AlertInput[], end: number): ConditionEpisode[] {
  const open = new Map<string, { from: number; severity: 'warning' | 'critical'; message: string }>();
  const out: ConditionEpisode[] = [];
  for (const a of [...alerts].sort((x, y) => x.ts - y.ts)) {
    if (a.code.endsWith('_resolved')) {
      const code = a.code.slice(0, -'_resolved'.length);
      const o = open.get(code);
      if (!o) continue;
      open.delete(code);
      out.push({ code, ...o, to: a.ts, durationMs: Math.max(0, a.ts - o.from) });
      continue;
    }
    if (a.severity === 'info' || open.has(a.code)) continue;
    open.set(a.code, { from: a.ts, severity: a.severity, message: a.message });
  }
  for (const [code, o] of open) out.push({ code, ...o, to: null, durationMs: Math.max(0, end - o.from) });
  return out.sort((a, b) => a.from - b.from || (a.code < b.code ? -1 : 1));
}

/** Conditions under which the strategy places no order of some kind: what they held back, in words. */
const BLOCKING: readonly { readonly test: (code: string) => boolean; readonly blocks: string }[] = [
  {
    test: (c) => c === 'grid_unit_below_minimum',
    blocks:
      'no buy orders: the grid unit (base_amount_per_grid or quote_amount_per_grid) is below the exchange minimum order',
  },
  { test: (c) => c.startsWith('pre_trade_'), blocks: 'orders held back by a pre-trade check' },
  { test: (c) => c === 'insufficient_margin', blocks: 'orders refused: insufficient margin' },
  {
    test: (c) => c === 'no_qualified_resistance',
    blocks: 'no sell orders: no resistance passes the profit guard',
  },
  { test: (c) => c === 'post_only_would_take', blocks: 'post-only orders would have taken liquidity' },
  { test: (c) => c === 'liquidated', blocks: 'the position was liquidated' },
];

export interface BlockingEpisode extends ConditionEpisode {
  /** What the condition held back. */
  readonly blocks: string;
  /** Share of the run it lasted (0 … 1). */
  readonly share: number;
}

/** The episodes that held trading back, with what they blocked and for which share of the run. */
export function blockingOf(
  episodes: readonly ConditionEpisode[],
  from: number,
  to: number,
): BlockingEpisode[] {
  const span = Math.max(1, to - from);
  const out: BlockingEpisode[] = [];
  for (const e of episodes) {
    const rule = BLOCKING.find((b) => b.test(e.code));
    if (!rule) continue;
    out.push({ ...e, blocks: rule.blocks, share: Math.min(1, e.durationMs / span) });
  }
  return out;
}

export interface RiskSample {
  readonly t: number;
  readonly notional: Decimal;
  readonly equity: Decimal;
  /** Distance from mark to the nearest liquidation price, as a fraction of mark; `null` without one. */
  readonly liquidationDistance: Decimal | null;
}

export interface PerformanceInputs {
  readonly fills: readonly PerfFill[];
  /** Equity samples in time order; the last is the equity at the end of the run. */
  readonly equity: readonly EquityPoint[];
  readonly startBalance: Decimal;
  readonly from: number;
  readonly to: number;
  /** First open and last close of the instance's first market over the period (buy and hold). */
  readonly firstPrice: Decimal | null;
  readonly lastPrice: Decimal | null;
  /** The exchange's realized + unrealized PnL minus trading fees. */
  readonly tradingPnl: Decimal;
  readonly funding?: readonly FundingPoint[];
  readonly risk?: readonly RiskSample[];
  readonly alerts?: readonly AlertInput[];
}

export function performanceOf(p: PerformanceInputs) {
  const trips = matchRoundTrips(p.fills, p.to);
  // Pro-rata fees may not terminate: at 12 places the two parts add up to trading PnL exactly.
  const gridProfit = trips.gridProfit.toDecimalPlaces(GRID_PROFIT_PLACES);
  const end = p.equity[p.equity.length - 1]?.equity ?? p.startBalance;
  const pnl = end.minus(p.startBalance);
  const dd = drawdownOf(p.equity);
  const daily = periodRows(p.equity, p.startBalance, trips.trades, p.funding ?? [], 'day');
  const weekly = periodRows(p.equity, p.startBalance, trips.trades, p.funding ?? [], 'week');
  const dailyReturns = daily
    .filter((d) => d.openEquity.greaterThan(0))
    .map((d) => d.closeEquity.dividedBy(d.openEquity).minus(1).toNumber());
  const ratios = ratiosOf(dailyReturns, { start: p.startBalance, end, periodMs: p.to - p.from }, dd.max);
  const episodes = conditionEpisodes(p.alerts ?? [], p.to);
  let maxNotional = ZERO;
  let maxLeverage: Decimal | null = null;
  let minLiq: Decimal | null = null;
  for (const r of p.risk ?? []) {
    if (r.notional.greaterThan(maxNotional)) maxNotional = r.notional;
    if (r.equity.greaterThan(0)) {
      const lev = r.notional.dividedBy(r.equity);
      if (maxLeverage === null || lev.greaterThan(maxLeverage)) maxLeverage = lev;
    }
    if (r.liquidationDistance !== null && (minLiq === null || r.liquidationDistance.lessThan(minLiq)))
      minLiq = r.liquidationDistance;
  }
  return {
    pnl,
    returnPct: p.startBalance.greaterThan(0) ? pnl.dividedBy(p.startBalance).times(100) : null,
    buyAndHoldPct:
      p.firstPrice?.greaterThan(0) && p.lastPrice
        ? p.lastPrice.dividedBy(p.firstPrice).minus(1).times(100)
        : null,
    tradingPnl: p.tradingPnl,
    gridProfit,
    inventoryPnl: p.tradingPnl.minus(gridProfit),
    drawdown: dd,
    ratios,
    profitFactor: trips.grossLoss.greaterThan(0) ? trips.grossProfit.dividedBy(trips.grossLoss) : null,
    trips,
    daily,
    weekly,
    exposure: { maxNotional, maxLeverage, minLiquidationDistance: minLiq },
    episodes,
    blocking: blockingOf(episodes, p.from, p.to),
  };
}

export type Performance = ReturnType<typeof performanceOf>;
