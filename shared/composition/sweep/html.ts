/**
 * `sweep.html`: one self-contained page (no script, no network) with the ranked table and an inline-SVG
 * heatmap of the rank metric over the two heatmap params. When the sweep has more params, each cell shows
 * the best value of the metric over the others (and says which combination it was).
 */
import { escapeHtml } from '../../domain/html.js';
import type { Decimal } from '../../domain/money.js';
import {
  higherIsBetter,
  metricOf,
  type RankMetric,
  rowCells,
  type SweepPlan,
  type SweepRow,
} from '../../domain/sweep/sweep.js';

export interface SweepPageInput {
  readonly title: string;
  readonly plan: SweepPlan;
  /** Best first. */
  readonly ranked: readonly SweepRow[];
  readonly notes: readonly string[];
}

const esc = escapeHtml;

const METRIC_LABEL: Record<RankMetric, string> = {
  return: 'return %',
  drawdown: 'max drawdown %',
  sharpe: 'Sharpe',
  grid_profit: 'grid profit',
  fills: 'fills',
};

interface Cell {
  readonly value: Decimal | null;
  readonly row: SweepRow | null;
}

function heatmapCells(
  plan: SweepPlan,
  ranked: readonly SweepRow[],
): { xs: string[]; ys: string[]; cells: Cell[][] } {
  const [xPath, yPath] = plan.heatmap;
  const xi = plan.params.findIndex((p) => p.path === xPath);
  const yi = yPath === undefined ? -1 : plan.params.findIndex((p) => p.path === yPath);
  const xs = plan.params[xi]!.values.map((v) => v.text);
  const ys = yi < 0 ? [''] : plan.params[yi]!.values.map((v) => v.text);
  const cells: Cell[][] = ys.map(() => xs.map(() => ({ value: null, row: null })));
  // `ranked` is best first, so the first row met for a cell is its best.
  for (const row of ranked) {
    const x = xs.indexOf(row.values[xi]!);
    const y = yi < 0 ? 0 : ys.indexOf(row.values[yi]!);
    const cell = cells[y]![x]!;
    if (cell.row) continue;
    cells[y]![x] = { value: metricOf(row, plan.rankBy), row };
  }
  return { xs, ys, cells };
}

/** Red (worst) → yellow → green (best). */
function colour(share: number): string {
  const hue = Math.round(share * 120);
  return `hsl(${hue}, 70%, 55%)`;
}

function heatmapSvg(plan: SweepPlan, ranked: readonly SweepRow[]): string {
  const { xs, ys, cells } = heatmapCells(plan, ranked);
  const values = cells.flat().flatMap((c) => (c.value ? [c.value] : []));
  const min = values.reduce<Decimal | null>((m, v) => (m === null || v.lessThan(m) ? v : m), null);
  const max = values.reduce<Decimal | null>((m, v) => (m === null || v.greaterThan(m) ? v : m), null);
  const cw = 84;
  const ch = 34;
  const left = 110;
  const top = 40;
  const width = left + cw * xs.length + 20;
  const height = top + ch * ys.length + 50;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  ];
  const [xPath, yPath] = plan.heatmap;
  out.push(
    `<text x="${left + (cw * xs.length) / 2}" y="${top + ch * ys.length + 38}" text-anchor="middle" font-weight="bold">${esc(xPath!)}</text>`,
  );
  if (yPath) out.push(`<text x="8" y="${top - 14}" font-weight="bold">${esc(yPath)} ↓</text>`);
  ys.forEach((y, r) => {
    out.push(`<text x="${left - 8}" y="${top + ch * r + ch / 2 + 4}" text-anchor="end">${esc(y)}</text>`);
    xs.forEach((_, c) => {
      const cell = cells[r]![c]!;
      let fill = '#ccc';
      if (cell.value && min && max) {
        const span = max.minus(min);
        let share = span.isZero() ? 1 : cell.value.minus(min).dividedBy(span).toNumber();
        if (!higherIsBetter(plan.rankBy)) share = 1 - share;
        fill = colour(share);
      }
      const label = cell.value ? cell.value.toDecimalPlaces(4).toFixed() : cell.row?.error ? 'failed' : '—';
      const tip = cell.row
        ? `combination ${cell.row.index}: ${plan.params.map((p, k) => `${p.path}=${cell.row!.values[k]}`).join(', ')}${cell.row.error ? ` — ${cell.row.error}` : ''}`
        : 'not run';
      out.push(
        `<g><title>${esc(tip)}</title><rect x="${left + cw * c}" y="${top + ch * r}" width="${cw - 2}" height="${ch - 2}" fill="${fill}"/><text x="${left + cw * c + cw / 2 - 1}" y="${top + ch * r + ch / 2 + 4}" text-anchor="middle">${esc(label)}</text></g>`,
      );
    });
  });
  xs.forEach((x, c) => {
    out.push(
      `<text x="${left + cw * c + cw / 2 - 1}" y="${top + ch * ys.length + 16}" text-anchor="middle">${esc(x)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

function table(plan: SweepPlan, ranked: readonly SweepRow[]): string {
  const head = [
    'rank',
    '#',
    ...plan.params.map((p) => p.path),
    'return %',
    'max drawdown %',
    'Sharpe',
    'fills',
    'grid profit',
    'net PnL',
    'violations',
    'error',
  ];
  const rows = ranked.map((r, i) => {
    const cells = rowCells(r, i);
    return `<tr${r.error ? ' class="failed"' : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

export function sweepHtml(input: SweepPageInput): string {
  const { plan, ranked } = input;
  const others = plan.params.filter((p) => !plan.heatmap.includes(p.path));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(input.title)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f0f0f0; position: sticky; top: 0; }
tr.failed td { color: #a00; }
td:last-child { text-align: left; }
.notes { color: #555; font-size: 13px; }
</style>
</head>
<body>
<h1>${esc(input.title)}</h1>
<p class="notes">${input.notes.map(esc).join('<br>')}</p>
<h2>${esc(METRIC_LABEL[plan.rankBy])} by ${esc(plan.heatmap.join(' × '))}</h2>
${others.length > 0 ? `<p class="notes">Each cell: the best over ${esc(others.map((p) => p.path).join(', '))} (hover for the combination).</p>` : ''}
${heatmapSvg(plan, ranked)}
<h2>Ranked by ${esc(METRIC_LABEL[plan.rankBy])} (${higherIsBetter(plan.rankBy) ? 'highest' : 'lowest'} first)</h2>
${table(plan, ranked)}
</body>
</html>
`;
}
