/**
 * The e-mailed status report of one instance (SPEC §5), as HTML and plain text: what its strategy's
 * `status` says (a list of flat rows, such as hedge pairs' `pairs`, becomes a table; the rest a list of
 * fields) and the warnings and critical alerts raised since the last report. Pure: the caller gathers the
 * status and the alerts; every value is escaped.
 */
import { escapeHtml } from '../html.js';

export interface ReportAlert {
  readonly ts: number;
  readonly severity: string;
  readonly code: string;
  readonly message: string;
}

export interface StatusReportInput {
  readonly instanceId: string;
  readonly strategy: string;
  readonly generatedAt: number;
  /** The start of the period the alerts cover. */
  readonly since: number;
  readonly status: Readonly<Record<string, unknown>>;
  readonly alerts: readonly ReportAlert[];
}

export interface RenderedReport {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A row's cells, nested objects flattened one level (`long.position`). */
function flatten(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out[`${k}.${k2}`] = v2;
    else out[k] = v;
  }
  return out;
}

function isTable(v: unknown): v is readonly Record<string, unknown>[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))
  );
}

function tableHtml(title: string, rows: readonly Record<string, unknown>[]): string {
  const flat = rows.map(flatten);
  const cols = [...new Set(flat.flatMap((r) => Object.keys(r)))];
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = flat
    .map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(scalar(r[c]))}</td>`).join('')}</tr>`)
    .join('');
  return `<h2>${escapeHtml(title)}</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function tableText(title: string, rows: readonly Record<string, unknown>[]): string {
  return [
    `${title}:`,
    ...rows.map(
      (r) =>
        `  - ${Object.entries(flatten(r))
          .map(([k, v]) => `${k}=${scalar(v)}`)
          .join(' ')}`,
    ),
  ].join('\n');
}

export function renderStatusReport(input: StatusReportInput): RenderedReport {
  const fields: [string, unknown][] = [];
  const tables: [string, readonly Record<string, unknown>[]][] = [];
  for (const [k, v] of Object.entries(input.status)) {
    if (isTable(v)) tables.push([k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) fields.push([`${k}.${k2}`, v2]);
    else fields.push([k, v]);
  }
  const critical = input.alerts.filter((a) => a.severity === 'critical').length;
  const subject = `gridbot ${input.instanceId}: status${critical > 0 ? ` (${critical} critical alert${critical > 1 ? 's' : ''})` : ''}`;
  const alertRows = input.alerts.map((a) => ({
    time: iso(a.ts),
    severity: a.severity,
    code: a.code,
    message: a.message,
  }));
  const html = [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title>`,
    '<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;font-size:12px}th{background:#eee}</style>',
    '</head><body>',
    `<h1>${escapeHtml(input.instanceId)} <small>(${escapeHtml(input.strategy)})</small></h1>`,
    `<p>Report of ${escapeHtml(iso(input.generatedAt))}; alerts since ${escapeHtml(iso(input.since))}.</p>`,
    `<dl>${fields.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(scalar(v))}</dd>`).join('')}</dl>`,
    ...tables.map(([k, rows]) => tableHtml(k, rows)),
    alertRows.length > 0
      ? tableHtml('alerts', alertRows)
      : '<h2>alerts</h2><p>None since the last report.</p>',
    '</body></html>',
  ].join('\n');
  const text = [
    `${input.instanceId} (${input.strategy}), report of ${iso(input.generatedAt)}`,
    ...fields.map(([k, v]) => `${k}: ${scalar(v)}`),
    ...tables.map(([k, rows]) => tableText(k, rows)),
    alertRows.length > 0 ? tableText('alerts', alertRows) : 'alerts: none since the last report',
  ].join('\n');
  return { subject, html, text };
}
