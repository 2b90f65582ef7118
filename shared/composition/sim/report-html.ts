/**
 * `report.html`: one self-contained file that opens offline — the data as JSON, two charting libraries
 * (lightweight-charts and uPlot, their standalone builds read from node_modules), our page script
 * (`report-assets/report.js`) and the styles, all inline; no network request at all (the page's
 * Content-Security-Policy forbids any).
 *
 * Per instance: the headline figures (return, buy and hold, grid profit against inventory PnL, fees, funding,
 * max drawdown and its duration, Sharpe / Sortino / Calmar, profit factor, exposure, liquidation distance),
 * what blocked trading if anything did, a candlestick chart (1-minute bars up to `MAX_BARS`, about five
 * weeks; coarser above; a short tick tape as bars of seconds) with every fill as a marker at its price, the
 * grid levels and stops as lines over time and the orders open at the right edge of the view as price
 * lines; equity and drawdown, position (and each leg's), exposure and leverage, and liquidation distance
 * over time (uPlot, zoom synced with the candles); and the tables: every trade (paged, from the JSON), per
 * level, daily and weekly, alerts and conditions, the summary, and the config the run used.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CandleInput } from '../../adapters/paper/market-driver.js';
import type { InstanceConfig } from '../../domain/config/deployment.js';
import { escapeHtml } from '../../domain/html.js';
import { compareDec, type Decimal, dec } from '../../domain/money.js';
import type { DemoPhase } from '../../domain/sim/demo-market.js';
import { matchRoundTrips } from '../../domain/sim/performance.js';
import { legsOf } from '../../domain/strategies/index.js';
import type { TradingEvent } from '../../ports/events.js';
import { parseLinearSymbol } from './markets.js';
import type { Recorder } from './recorder.js';
import type { Summary } from './summary.js';

const BAR_SIZES_MIN = [1, 5, 15, 30, 60, 120, 240, 360, 720, 1440];
/** 1-minute bars are kept up to this many (a month is ~43 200); longer runs merge into coarser bars. */
const MAX_BARS = 50_000;
const MAX_TICK_BARS = 20_000;

/** [time, open, high, low, close]: numbers for the chart (display only; summary.json keeps the decimals). */
type Bar = [number, number, number, number, number];

interface Ohlc {
  readonly t: number;
  readonly o: Decimal;
  readonly h: Decimal;
  readonly l: Decimal;
  readonly c: Decimal;
}

/** Points (candles, or ticks as one-price candles) merged into bars of `barMs`, in time order. */
function toBars(points: Iterable<Ohlc>, barMs: number): Bar[] {
  const bars: Bar[] = [];
  let cur: { t: number; o: Decimal; h: Decimal; l: Decimal; c: Decimal } | null = null;
  // Prices repeat (a file's candles share one Decimal per price): each converted once.
  const numbers = new Map<Decimal, number>();
  const num = (d: Decimal): number => {
    let n = numbers.get(d);
    if (n === undefined) {
      n = Number(d.toFixed());
      numbers.set(d, n);
    }
    return n;
  };
  const flush = () => {
    if (cur) bars.push([cur.t, num(cur.o), num(cur.h), num(cur.l), num(cur.c)]);
  };
  for (const k of points) {
    const t = Math.floor(k.t / barMs) * barMs;
    if (cur && cur.t === t) {
      if (compareDec(k.h, cur.h) > 0) cur.h = k.h;
      if (compareDec(k.l, cur.l) < 0) cur.l = k.l;
      cur.c = k.c;
    } else {
      flush();
      cur = { t, o: k.o, h: k.h, l: k.l, c: k.c };
    }
  }
  flush();
  return bars;
}

/** Candles merged into the smallest bar size that keeps the chart under `MAX_BARS` bars. */
export function thinBars(candles: readonly CandleInput[]): { bars: Bar[]; barMs: number } {
  if (candles.length === 0) return { bars: [], barMs: 60_000 };
  const spanMin = (candles[candles.length - 1]!.openTime - candles[0]!.openTime) / 60_000 + 1;
  const size = BAR_SIZES_MIN.find((m) => spanMin / m <= MAX_BARS) ?? 1440;
  const barMs = size * 60_000;
  const points = candles.map((k) => ({ t: k.openTime, o: k.open, h: k.high, l: k.low, c: k.close }));
  return { bars: toBars(points, barMs), barMs };
}

const TICK_BAR_MS = [1_000, 5_000, 15_000, 60_000];

/**
 * A tick tape as bars of a few seconds (the smallest size that keeps the chart under `MAX_TICK_BARS` bars), so a
 * replay of minutes shows each slice on the price path, not on a handful of one-minute candles.
 */
export function tickBars(ticks: readonly { time: number; price: Decimal }[]): { bars: Bar[]; barMs: number } {
  if (ticks.length === 0) return { bars: [], barMs: 60_000 };
  const span = ticks[ticks.length - 1]!.time - ticks[0]!.time + 1;
  const barMs = TICK_BAR_MS.find((ms) => span / ms <= MAX_TICK_BARS);
  if (barMs === undefined) return { bars: [], barMs: 0 };
  const points = ticks.map((k) => ({ t: k.time, o: k.price, h: k.price, l: k.price, c: k.price }));
  return { bars: toBars(points, barMs), barMs };
}

export interface ReportInputs {
  readonly summary: Summary;
  readonly instances: readonly InstanceConfig[];
  readonly candles: ReadonlyMap<string, readonly CandleInput[]>;
  readonly events: readonly TradingEvent[];
  readonly recorder: Recorder;
  readonly phases: ReadonlyMap<string, readonly DemoPhase[]>;
  /** Per symbol replayed from ticks: the tape (drawn as bars of seconds when it is short enough). */
  readonly ticks?: ReadonlyMap<string, readonly { time: number; price: Decimal }[]>;
}

/** Display rounding for the table (summary.json keeps every digit). */
const short = (text: string, places = 8): string => dec(text).toDecimalPlaces(places).toFixed();

function summaryRows(s: Summary['instances'][number]): [string, string][] {
  return [
    ['period', `${s.period.from} → ${s.period.to}`],
    ['candles', String(s.candles)],
    [
      'orders placed / amended / cancelled / rejected',
      `${s.orders.placed} / ${s.orders.amended} / ${s.orders.cancelled} / ${s.orders.rejected}`,
    ],
    ['stops placed / cancelled', `${s.orders.stopsPlaced} / ${s.orders.stopsCancelled}`],
    ['fills (buys / sells)', `${s.fills.count} (${s.fills.buys} / ${s.fills.sells})`],
    ['bought / sold', `${s.fills.boughtQty} / ${s.fills.soldQty}`],
    [
      'stop-loss / protective-close / liquidation fills',
      `${s.fills.stopLoss} / ${s.fills.protectiveClose} / ${s.fills.liquidation}${s.fills.liquidation > 0 ? ' — LIQUIDATED' : ''}`,
    ],
    ['holdings (grid ledger / exchange)', `${s.holdings} / ${s.exchangePosition}`],
    ['average entry', short(s.avgEntry)],
    ['realized PnL', short(s.realizedPnl, 4)],
    ['unrealized PnL', short(s.unrealizedPnl, 4)],
    ['fees (trading + liquidation clearance)', short(s.fees, 4)],
    ['trading fees', short(s.tradingFees, 4)],
    ['liquidation clearance fee', short(s.liquidationClearanceFee, 4)],
    ['funding', s.funding.modelled ? short(s.funding.total, 4) : s.funding.note],
    ['equity (start → end)', `${s.startBalance} → ${short(s.equity, 4)}`],
    ['PnL', short(s.pnl, 4)],
    ['max drawdown', `${s.maxDrawdownPct}%`],
    ['paused', s.paused ? `yes (${s.pauseReason ?? ''})` : 'no'],
    ['exposure (notional) / leverage', `${s.guards.exposureNotional ?? '0'} / ${s.guards.leverage ?? '—'}`],
    [
      'budget (available of)',
      s.guards.budget ? `${s.guards.budget.available} of ${s.guards.budget.budget}` : 'none declared',
    ],
    [
      'pre-trade denials journaled (the first of each episode)',
      Object.entries(s.guards.denials)
        .map(([k, v]) => `${k} × ${v}`)
        .join(', ') || 'none',
    ],
    [
      'alerts',
      Object.entries(s.alerts)
        .map(([k, v]) => `${k} × ${v}`)
        .join(', ') || 'none',
    ],
    ['invariant violations', s.violations.length === 0 ? 'none' : s.violations.join('\n')],
    ...strategyRows(s.strategyReport),
  ];
}

/** The strategy's own report (`simulation.report`), one row per leg or figure. */
function strategyRows(report: Record<string, unknown> | undefined): [string, string][] {
  if (!report) return [];
  const rows: [string, string][] = [];
  const text = (v: unknown): string =>
    v !== null && typeof v === 'object'
      ? Object.entries(v as Record<string, unknown>)
          .map(([k, x]) =>
            x !== null && typeof x === 'object'
              ? `${k} (${text(x)})`
              : `${k} ${x === null ? '—' : String(x)}`,
          )
          .join(', ')
      : String(v);
  for (const [key, value] of Object.entries(report)) {
    if (key === 'legs' && value && typeof value === 'object')
      for (const [role, leg] of Object.entries(value as Record<string, unknown>))
        rows.push([role, text(leg)]);
    // A list of rows (hedge pairs' `pairs`): one row each.
    else if (Array.isArray(value))
      value.forEach((item, i) => {
        rows.push([`${key} ${i + 1}`, text(item)]);
      });
    else rows.push([key, text(value)]);
  }
  return rows;
}

/** Bars as columns: time steps in seconds, then each price. */
function barColumns(bars: readonly Bar[]) {
  const t: number[] = [];
  let prev = 0;
  for (const b of bars) {
    const sec = Math.round(b[0] / 1000);
    t.push(sec - prev);
    prev = sec;
  }
  const col = (i: 1 | 2 | 3 | 4) => bars.map((b) => b[i]);
  return { t, o: col(1), h: col(2), l: col(3), c: col(4) };
}

/** Each order's life at each price: [from, to (null: open at the end), side, price, qty, leg]. */
function orderSpans(ev: readonly TradingEvent[]) {
  const open = new Map<
    string,
    { from: number; side: string; price: string; qty: string; filled: Decimal; leg: string }
  >();
  const out: [number, number | null, string, string, string, string][] = [];
  const close = (id: string, at: number) => {
    const o = open.get(id);
    if (!o) return;
    out.push([o.from, at, o.side, o.price, o.qty, o.leg]);
    open.delete(id);
  };
  for (const e of ev) {
    const id = e.clientOrderId;
    if (!id) continue;
    if ((e.type === 'order_placed' || e.type === 'order_amended') && e.price) {
      const before = open.get(id);
      close(id, e.ts);
      open.set(id, {
        from: e.ts,
        side: e.side ?? '',
        price: e.price,
        qty: e.qty ?? before?.qty ?? '',
        filled: before?.filled ?? dec(0),
        leg: e.leg ?? '',
      });
    } else if (e.type === 'order_cancelled' || e.type === 'order_rejected') close(id, e.ts);
    else if (e.type === 'fill') {
      const o = open.get(id);
      if (!o) continue;
      o.filled = o.filled.plus(e.qty ? dec(e.qty) : dec(0));
      if (o.qty === '' || o.filled.greaterThanOrEqualTo(dec(o.qty))) close(id, e.ts);
    }
  }
  for (const [, o] of open) out.push([o.from, null, o.side, o.price, o.qty, o.leg]);
  return out.sort((a, b) => a[0] - b[0]);
}

/** Each stop's life: [from, to (null: still there at the end), price, leg]; a new stop of a leg ends the last. */
function stopSpans(ev: readonly TradingEvent[]) {
  const open = new Map<string, { id: string; from: number; price: string }>();
  const out: [number, number | null, string, string][] = [];
  for (const e of ev) {
    const leg = e.leg ?? '';
    const cur = open.get(leg);
    if (e.type === 'stop_placed' && e.price) {
      if (cur) out.push([cur.from, e.ts, cur.price, leg]);
      open.set(leg, { id: e.clientOrderId ?? '', from: e.ts, price: e.price });
    } else if (
      cur &&
      (e.type === 'stop_cancelled' || e.type === 'fill') &&
      e.clientOrderId !== undefined &&
      e.clientOrderId === cur.id
    ) {
      out.push([cur.from, e.ts, cur.price, leg]);
      open.delete(leg);
    }
  }
  for (const [leg, o] of open) out.push([o.from, null, o.price, leg]);
  return out.sort((a, b) => a[0] - b[0]);
}

type InstanceSummary = Summary['instances'][number];

/** The figures shown first: [key in `performance`, label, shown text, the exact summary.json value]. */
function headline(s: InstanceSummary, quote: string): [string, string, string, string | null, string][] {
  const p = s.performance;
  const money4 = (x: string) => `${short(x, 4)} ${quote}`;
  const orDash = (x: string | number | null, f: (v: string) => string) => (x === null ? '—' : f(String(x)));
  const dd = p.maxDrawdown;
  return [
    ['returnPct', 'Return', orDash(p.returnPct, (v) => `${v}%`), p.returnPct, `net PnL ${money4(p.netPnl)}`],
    [
      'buyAndHoldPct',
      'Buy & hold',
      orDash(p.buyAndHoldPct, (v) => `${v}%`),
      p.buyAndHoldPct,
      `${s.symbol}, same period`,
    ],
    [
      'gridProfit',
      'Grid profit',
      money4(p.gridProfit),
      p.gridProfit,
      `${p.roundTrips} round trips, net of their fees`,
    ],
    [
      'inventoryPnl',
      'Inventory PnL',
      money4(p.inventoryPnl),
      p.inventoryPnl,
      `trading PnL ${money4(p.tradingPnl)} − grid profit`,
    ],
    [
      'fees',
      'Fees',
      money4(p.fees),
      p.fees,
      `funding ${s.funding.modelled ? money4(p.funding) : 'not modelled'}`,
    ],
    [
      'maxDrawdownPct',
      'Max drawdown',
      orDash(p.maxDrawdownPct, (v) => `${v}%`),
      p.maxDrawdownPct,
      `longest ${dd.longestDurationDays} days under a peak`,
    ],
    [
      'sharpe',
      'Sharpe',
      orDash(p.sharpe, (v) => v),
      p.sharpe === null ? null : String(p.sharpe),
      `${p.days} daily returns, √365`,
    ],
    [
      'sortino',
      'Sortino',
      orDash(p.sortino, (v) => v),
      p.sortino === null ? null : String(p.sortino),
      'downside deviation',
    ],
    [
      'calmar',
      'Calmar',
      orDash(p.calmar, (v) => v),
      p.calmar === null ? null : String(p.calmar),
      `annualized ${p.annualizedReturnPct ?? '—'}%`,
    ],
    [
      'profitFactor',
      'Profit factor',
      p.profitFactor ?? (dec(p.grossProfit).greaterThan(0) ? '∞ (no losing trip)' : '—'),
      p.profitFactor,
      `win rate ${p.winRatePct === null ? '—' : `${p.winRatePct}%`}`,
    ],
    [
      'exposure.maxLeverage',
      'Max leverage',
      orDash(p.exposure.maxLeverage, (v) => `${short(v, 2)}×`),
      p.exposure.maxLeverage,
      `max exposure ${money4(p.exposure.maxNotional)}`,
    ],
    [
      'exposure.minLiquidationDistancePct',
      'Closest to liquidation',
      orDash(p.exposure.minLiquidationDistancePct, (v) => `${v}%`),
      p.exposure.minLiquidationDistancePct,
      'mark to liquidation price',
    ],
  ];
}

export function reportData(r: ReportInputs) {
  return {
    title: `gridbot simulation ${r.summary.market.from} → ${r.summary.market.to}`,
    config: r.summary.config,
    instances: r.instances.map((inst) => {
      // The chart is the first leg's market (a pair on one symbol draws both legs' orders and fills on it).
      const symbol = legsOf(inst)[0]!.symbol;
      const fine = tickBars(r.ticks?.get(symbol) ?? []);
      const { bars, barMs } = fine.bars.length > 0 ? fine : thinBars(r.candles.get(symbol) ?? []);
      const ev = r.events.filter((e) => e.instanceId === inst.id);
      const s = r.summary.instances.find((x) => x.instance === inst.id)!;
      const { base, quote } = parseLinearSymbol(symbol);
      const legRoles = legsOf(inst).length > 1 ? legsOf(inst).map((l) => l.role) : [];
      const fills = ev.filter((e) => e.type === 'fill' && e.side && e.price && e.qty);
      const trips = matchRoundTrips(
        fills.map((e) => ({
          ts: e.ts,
          side: e.side!,
          price: dec(e.price!),
          qty: dec(e.qty!),
          fee: dec(e.fee ?? '0'),
          reason: e.reason,
          level: e.level,
          leg: e.leg,
        })),
        r.summary.instances.length > 0 ? Date.parse(r.summary.market.to) : 0,
      );
      const series = r.recorder.series.get(inst.id) ?? [];
      return {
        id: inst.id,
        strategy: inst.strategy,
        symbol,
        base,
        quote,
        tickSize: (r.summary.symbols[symbol] as { tickSize?: string } | undefined)?.tickSize ?? null,
        headline: headline(s, quote),
        blocked: s.blocked,
        bars: barColumns(bars),
        barMs,
        phases: r.phases.get(symbol) ?? [],
        levels: r.recorder.levels.get(inst.id) ?? [],
        orders: orderSpans(ev),
        stops: stopSpans(ev),
        // Every fill: [t, side, price, qty, fee, reason, level, leg, closed qty, round-trip profit | null]
        trades: trips.trades.map((t) => [
          t.t,
          t.side,
          t.price.toFixed(),
          t.qty.toFixed(),
          t.fee.toFixed(),
          t.reason,
          t.level,
          t.leg,
          t.closedQty.toFixed(),
          t.roundTripProfit === null ? null : t.roundTripProfit.toDecimalPlaces(8).toFixed(),
        ]),
        alerts: ev
          .filter((e) => e.type === 'alert')
          .map((e) => [e.ts, e.severity ?? 'info', e.code ?? '', e.reason ?? '']),
        // [t, net position, equity, then each leg's position when there are several]
        legs: legRoles,
        accounts: new Set(legsOf(inst).map((l) => l.account)).size,
        series: series.map((p) => [
          p.t,
          p.holdings,
          dec(p.equity).toDecimalPlaces(8).toFixed(),
          ...legRoles.map((role) => p.legs?.[role] ?? '0'),
        ]),
        // [t, exposure (Σ |position| × mark), liquidation distance (fraction) | null]
        risk: series.map((p) => [p.t, p.notional ?? '0', p.liquidationDistance ?? null]),
        performance: s.performance,
        summary: summaryRows(s),
      };
    }),
  };
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f4f6f8}
main{max-width:1400px;margin:0 auto;padding:16px 24px}
h1{font-size:20px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:20px 0 6px}
.sub{color:#5b6575}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px;margin:8px 0}
.card{background:#fff;border:1px solid #e2e6ea;border-radius:6px;padding:8px 10px}
.card .k{font-size:12px;color:#5b6575}.card .v{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.card .h{font-size:11px;color:#7a8494}.pos{color:#1a7f4b}.neg{color:#b42318}
.blocked{background:#fff4e5;border:1px solid #f0b400;border-radius:6px;padding:10px 12px;margin:10px 0;font-weight:600}
.blocked.none{display:none}
.panel{background:#fff;border:1px solid #e2e6ea;border-radius:6px;padding:6px;margin:8px 0}
.lw{height:480px;position:relative}.legend{font-size:12px;color:#3d4b63;margin:4px 2px}
.legend span{margin-right:14px;white-space:nowrap}.sw{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums;font-size:13px}
th,td{border-bottom:1px solid #e2e6ea;padding:3px 10px 3px 0;text-align:left;vertical-align:top;white-space:pre-wrap}
th{position:sticky;top:0;background:#f9fafb;font-weight:600}
tr.go{cursor:pointer}tr.go:hover{background:#eef4ff}
.pager{margin:4px 0;font-size:12px}.pager button{margin-right:4px}
.wrap{overflow:auto;max-height:560px;border:1px solid #e2e6ea}
details{margin:8px 0}pre{background:#fff;border:1px solid #e2e6ea;padding:8px;overflow:auto;font-size:12px}
.u-legend{font-size:12px}`;

let assets: { lw: string; uplot: string; uplotCss: string; page: string } | undefined;

/**
 * The libraries' standalone builds from node_modules and our page script, read once, when the first
 * report is drawn (not at load: a bundle that never draws one, the sweep item Lambda, has no module URL).
 */
function reportAssets() {
  if (!assets) {
    const requireHere = createRequire(import.meta.url);
    const lwDir = dirname(requireHere.resolve('lightweight-charts/package.json'));
    const uDir = dirname(requireHere.resolve('uplot/package.json'));
    assets = {
      lw: readFileSync(join(lwDir, 'dist/lightweight-charts.standalone.production.js'), 'utf8'),
      uplot: readFileSync(join(uDir, 'dist/uPlot.iife.min.js'), 'utf8'),
      uplotCss: readFileSync(join(uDir, 'dist/uPlot.min.css'), 'utf8'),
      page: readFileSync(new URL('./report-assets/report.js', import.meta.url), 'utf8'),
    };
  }
  return assets;
}

/** A script's text inside <script>: no `</script` can end it early. */
const scriptText = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1');

/** The whole page. JSON inside <script> has `<` escaped so no string in it can close the tag. */
export function reportHtml(r: ReportInputs): string {
  const data = reportData(r);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const a = reportAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${a.uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(data.title)}</h1>
<p class="sub">Charts: drag or wheel on the candles to pan and zoom (the other charts follow); drag across a lower chart to zoom to that stretch, double-click to reset; click a trade row to centre the charts on it.</p>
<div id="instances"></div>
<h2>Config the run used</h2>
<details><summary>configuration (as parsed, defaults filled in)</summary><pre id="config"></pre></details>
</main>
<script type="application/json" id="sim-data">${json}</script>
<script>${scriptText(a.lw)}</script>
<script>${scriptText(a.uplot)}</script>
<script>${scriptText(a.page)}</script>
</body>
</html>
`;
}
