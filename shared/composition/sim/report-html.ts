/**
 * `report.html`: one self-contained file that opens offline — the data as JSON, the chart renderer
 * (`report-assets/chart.js`, our own, no library) and the styles all inline; no network request at all.
 * Per instance: price candles (thinned to about 600 bars; a short tick tape as bars of seconds) with the
 * grid levels, orders (the closer's slices among them), stops and fills
 * marked; position and equity over time; the summary as a table.
 */
import { readFileSync } from 'node:fs';
import type { CandleInput } from '../../adapters/paper/market-driver.js';
import type { InstanceConfig } from '../../domain/config/deployment.js';
import { type Decimal, dec } from '../../domain/money.js';
import type { DemoPhase } from '../../domain/sim/demo-market.js';
import { legsOf } from '../../domain/strategies/index.js';
import type { TradingEvent } from '../../ports/events.js';
import { parseLinearSymbol } from './markets.js';
import type { Recorder } from './recorder.js';
import type { Summary } from './summary.js';

const BAR_SIZES_MIN = [1, 5, 15, 30, 60, 120, 240, 360, 720, 1440];
const MAX_BARS = 600;

type Bar = [number, string, string, string, string];

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
  const flush = () => {
    if (cur) bars.push([cur.t, cur.o.toFixed(), cur.h.toFixed(), cur.l.toFixed(), cur.c.toFixed()]);
  };
  for (const k of points) {
    const t = Math.floor(k.t / barMs) * barMs;
    if (cur && cur.t === t) {
      if (k.h.greaterThan(cur.h)) cur.h = k.h;
      if (k.l.lessThan(cur.l)) cur.l = k.l;
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
 * A tick tape as bars of a few seconds (the smallest size that keeps the chart under `MAX_BARS` bars), so a
 * replay of minutes shows each slice on the price path, not on a handful of one-minute candles.
 */
export function tickBars(ticks: readonly { time: number; price: Decimal }[]): { bars: Bar[]; barMs: number } {
  if (ticks.length === 0) return { bars: [], barMs: 60_000 };
  const span = ticks[ticks.length - 1]!.time - ticks[0]!.time + 1;
  const barMs = TICK_BAR_MS.find((ms) => span / ms <= MAX_BARS);
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

export function reportData(r: ReportInputs) {
  return {
    title: `gridbot simulation ${r.summary.market.from} → ${r.summary.market.to}`,
    instances: r.instances.map((inst) => {
      // The chart is the first leg's market (a pair on one symbol draws both legs' orders and fills on it).
      const symbol = legsOf(inst)[0]!.symbol;
      const fine = tickBars(r.ticks?.get(symbol) ?? []);
      const { bars, barMs } = fine.bars.length > 0 ? fine : thinBars(r.candles.get(symbol) ?? []);
      const ev = r.events.filter((e) => e.instanceId === inst.id);
      const s = r.summary.instances.find((x) => x.instance === inst.id)!;
      const { base, quote } = parseLinearSymbol(symbol);
      const legRoles = legsOf(inst).length > 1 ? legsOf(inst).map((l) => l.role) : [];
      return {
        id: inst.id,
        symbol,
        base,
        quote,
        bars,
        barMs,
        phases: r.phases.get(symbol) ?? [],
        levels: r.recorder.levels.get(inst.id) ?? [],
        orders: ev
          .filter((e) => (e.type === 'order_placed' || e.type === 'order_amended') && e.price)
          .map((e) => [e.ts, e.side ?? '', e.price!]),
        stops: ev.filter((e) => e.type === 'stop_placed' && e.price).map((e) => [e.ts, e.price!]),
        fills: ev
          .filter((e) => e.type === 'fill')
          .map((e) => [e.ts, e.side ?? '', e.price ?? '', e.qty ?? '']),
        // [t, net position, equity, then each leg's position when there are several]
        legs: legRoles,
        accounts: new Set(legsOf(inst).map((l) => l.account)).size,
        series: (r.recorder.series.get(inst.id) ?? []).map((p) => [
          p.t,
          p.holdings,
          p.equity,
          ...legRoles.map((role) => p.legs?.[role] ?? '0'),
        ]),
        summary: summaryRows(s),
      };
    }),
  };
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px}h2{font-size:16px;margin-top:32px}
.chart{width:100%;height:auto;display:block;background:#fff;border:1px solid #e2e6ea;margin:8px 0}
.axis text{font-size:11px;fill:#6a7380}.grid{stroke:#eef0f3}
.candle line{stroke-width:1}.candle.up line,.candle.up rect{stroke:#26a269;fill:#26a269}
.candle.down line,.candle.down rect{stroke:#c01c28;fill:#c01c28}
.level{stroke:#8a94a6;stroke-width:1;stroke-dasharray:2 3}
.order{stroke-width:2}.order.buy{stroke:#1c71d8}.order.sell{stroke:#e66100}
.stop{stroke:#a51d2d;stroke-width:2;stroke-dasharray:3 2}
.fill.buy{fill:#1c71d8}.fill.sell{fill:#e66100}.fill{stroke:#fff;stroke-width:.5}
.phase{fill:transparent}.phase.rally{fill:#26a26910}.phase.sell-off{fill:#c01c2810}
.series{fill:none;stroke:#3d4b63;stroke-width:1.5}.label{font-size:12px;fill:#3d4b63}
table{border-collapse:collapse;margin:8px 0}td{border-bottom:1px solid #e2e6ea;padding:4px 12px 4px 0;vertical-align:top;white-space:pre-wrap}
.legend span{margin-right:16px}`;

let chartSource: string | undefined;

function chartScript(): string {
  chartSource ??= readFileSync(new URL('./report-assets/chart.js', import.meta.url), 'utf8');
  return chartSource;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The whole page. JSON inside <script> has `<` escaped so no string in it can close the tag. */
export function reportHtml(r: ReportInputs): string {
  const data = reportData(r);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p class="legend"><span>▲ buy fill</span><span>▼ sell fill</span><span>— order (blue buy, orange sell)</span><span>- - grid level</span><span>red dashes: stop</span></p>
<div id="instances"></div>
<script type="application/json" id="sim-data">${json}</script>
<script>${chartScript()}</script>
</body>
</html>
`;
}
