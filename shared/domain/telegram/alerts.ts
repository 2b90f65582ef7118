/**
 * Alerts on a phone: which ones go (the config's severity floor and codes), how a burst is held together
 * (one message per chat per batch window; a critical alert goes at once), how many messages a minute at
 * most, and how they read (instance, what happened, the position and its quote value, what to do).
 *
 * `AlertBatcher` is a pure state machine on the caller's clock: `add` what arrived, ask `dueAt` when to
 * come back, `take` what to send now (null while the window or the rate limit holds it). Nothing is ever
 * dropped: what the rate limit holds goes in the next message, however many it gathers.
 *
 * Entry points: `wantsAlert`, `AlertBatcher`, `formatAlerts`, `escapeHtml`.
 * Invariants: at most `maxPerMinute` messages in any 60 s but for a final flush; an alert is in exactly
 * one message; a message
 * stays under Telegram's 4 096 characters (alerts past that are counted, not listed).
 */
import type { Alert, AlertSeverity } from '../commands.js';
import type { TelegramConfig } from '../config/telegram.js';

const RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, critical: 2 };
const MINUTE_MS = 60_000;
/** Telegram's message limit is 4 096 characters; leave room for the "and N more" line. */
const MAX_MESSAGE_CHARS = 3_900;

export function wantsAlert(alert: Alert, cfg: TelegramConfig['alerts']): boolean {
  if (alert.code === 'fill') return cfg.fills;
  if (RANK[alert.severity] < RANK[cfg.min_severity]) return false;
  if (cfg.codes && !cfg.codes.includes(alert.code)) return false;
  return !cfg.exclude_codes.includes(alert.code);
}

export class AlertBatcher {
  #pending: Alert[] = [];
  #firstAt: number | null = null;
  #sent: number[] = [];

  constructor(private readonly policy: { readonly windowMs: number; readonly maxPerMinute: number }) {}

  get pending(): number {
    return this.#pending.length;
  }

  add(alert: Alert, now: number): void {
    if (this.#pending.length === 0) this.#firstAt = now;
    this.#pending.push(alert);
  }

  /** When `take` will next give something (null: nothing pending). */
  dueAt(now: number): number | null {
    if (this.#pending.length === 0 || this.#firstAt === null) return null;
    const critical = this.#pending.some((a) => a.severity === 'critical');
    const windowEnd = critical ? now : this.#firstAt + this.policy.windowMs;
    this.#sent = this.#sent.filter((t) => t > now - MINUTE_MS);
    const rateFree = this.#sent.length < this.policy.maxPerMinute ? now : this.#sent[0]! + MINUTE_MS;
    return Math.max(windowEnd, rateFree, now);
  }

  /**
   * Everything pending, as one message, when it is due; null otherwise. `final`: now, whatever the window
   * and the per-minute limit say (a process about to end sends what it holds: one message over the limit
   * rather than alerts left behind).
   */
  take(now: number, final = false): Alert[] | null {
    const due = this.dueAt(now);
    if (due === null) return null;
    // `dueAt` dropped the sends older than a minute.
    if (!final && (this.#sent.length >= this.policy.maxPerMinute || due > now)) return null;
    const out = this.#pending;
    this.#pending = [];
    this.#firstAt = null;
    this.#sent.push(now);
    return out;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ICON: Readonly<Record<AlertSeverity, string>> = { info: 'ℹ️', warning: '⚠️', critical: '🚨' };

/** What to do, for the codes that ask something of the operator; by severity otherwise. */
const ADVICE: Readonly<Record<string, string>> = {
  stop_missing: 'recon re-places the stop; if this repeats, /status and check the venue',
  protective_stop_triggered: 'the stop closed the position; /status to see what is left',
  exchange_auth_failed: 'fix the API key (permissions, IP allow-list) in the secret; the account is stopped',
  position_mismatch: 'the venue holds other than the ledger: /status, then /rebuild or close by hand',
  close_all_failed: 'close what is left by hand on the venue, then /status',
  drawdown: 'the risk limit acted: /status; /resume once you have looked',
  unknown_outcome: 'an order may or may not exist: recon settles it next pass; /status to check',
  stream_stale: 'the stream worker is not connected: check the ECS service',
  flatten_fallback: 'the closer could not finish: the rest was closed at market; /status',
};

function advice(alert: Alert): string | undefined {
  return (
    ADVICE[alert.code] ??
    (alert.severity === 'critical'
      ? `/status ${alert.instanceId}; /pause ${alert.instanceId} to stop opening`
      : undefined)
  );
}

function alertLines(alert: Alert): string[] {
  const d = alert.data ?? {};
  const lines = [
    `${ICON[alert.severity]} <b>${escapeHtml(alert.instanceId)}</b> · <code>${escapeHtml(alert.code)}</code>`,
    escapeHtml(alert.message),
  ];
  if (d.holdings !== undefined)
    lines.push(
      `Position ${escapeHtml(d.holdings)}${d.positionValue !== undefined ? ` (≈ ${escapeHtml(d.positionValue)} quote)` : ''}`,
    );
  const todo = advice(alert);
  if (todo) lines.push(`→ ${escapeHtml(todo)}`);
  return lines;
}

/** One message for a batch: the alerts in arrival order, repeats of one (instance, code) folded with a count. */
export function formatAlerts(alerts: readonly Alert[]): string {
  const groups = new Map<string, { alert: Alert; count: number }>();
  for (const a of alerts) {
    const key = `${a.instanceId}|${a.code}|${a.severity}`;
    const g = groups.get(key);
    if (g) {
      g.count += 1;
      g.alert = a;
    } else groups.set(key, { alert: a, count: 1 });
  }
  const blocks: string[] = [];
  let length = 0;
  let left = 0;
  for (const { alert, count } of groups.values()) {
    const block = [...alertLines(alert), ...(count > 1 ? [`(×${count}, the latest shown)`] : [])].join('\n');
    if (length + block.length + 2 > MAX_MESSAGE_CHARS) {
      left += count;
      continue;
    }
    blocks.push(block);
    length += block.length + 2;
  }
  if (left > 0) blocks.push(`… and ${left} more alert(s): see the log or /status`);
  return blocks.join('\n\n');
}
