/**
 * Alerts from the Key Level Grid. Conditions that persist (no qualified resistance, a grid unit below the
 * exchange minimum, orders refused for margin...) alert once when they appear and once when they clear,
 * never on every pass; repeats in between are counted in `suppressedAlerts` and the count rides on the
 * resolution. Events (a stop-loss fill, a consistency-guard correction) alert every time.
 *
 * Entry points: `alertEvent`, `raiseCondition`, `clearCondition` (on a decision under way), and
 * `raiseOn` / `clearOn` (on any draft with a command list, e.g. while folding command outcomes).
 */
import type { AlertSeverity, Command } from '../../commands.js';
import type { Draft, Work } from './context.js';

type AlertTarget = { readonly s: Pick<Draft, 'instanceId' | 'activeAlerts' | 'suppressedAlerts'> };

function push(
  commands: Command[],
  instanceId: string,
  severity: AlertSeverity,
  code: string,
  message: string,
  data?: Record<string, string>,
): void {
  commands.push({ kind: 'Alert', instanceId, severity, code, message, ...(data ? { data } : {}) });
}

export function alertEvent(
  w: Work,
  severity: AlertSeverity,
  code: string,
  message: string,
  data?: Record<string, string>,
): void {
  push(w.commands, w.s.instanceId, severity, code, message, data);
}

/** Raises a persistent condition: alerts only if it was not already raised, else counts the repeat. */
export function raiseOn(
  t: AlertTarget,
  commands: Command[],
  severity: AlertSeverity,
  code: string,
  message: string,
  data?: Record<string, string>,
): void {
  const s = t.s as Draft;
  if (s.activeAlerts.includes(code)) {
    s.suppressedAlerts = { ...s.suppressedAlerts, [code]: (s.suppressedAlerts[code] ?? 0) + 1 };
    return;
  }
  s.activeAlerts.push(code);
  push(commands, s.instanceId, severity, code, message, data);
}

/** Clears a persistent condition: an info alert says it resolved and how many repeats were not sent. */
export function clearOn(t: AlertTarget, commands: Command[], code: string, message: string): void {
  const s = t.s as Draft;
  const i = s.activeAlerts.indexOf(code);
  if (i < 0) return;
  s.activeAlerts.splice(i, 1);
  const suppressed = s.suppressedAlerts[code] ?? 0;
  if (suppressed > 0) {
    const { [code]: _dropped, ...rest } = s.suppressedAlerts;
    s.suppressedAlerts = rest;
  }
  push(
    commands,
    s.instanceId,
    'info',
    `${code}_resolved`,
    suppressed > 0 ? `${message} (${suppressed} repeats were not alerted)` : message,
    { suppressedRepeats: String(suppressed) },
  );
}

export function raiseCondition(
  w: Work,
  severity: AlertSeverity,
  code: string,
  message: string,
  data?: Record<string, string>,
): void {
  raiseOn(w, w.commands, severity, code, message, data);
}

export function clearCondition(w: Work, code: string, message: string): void {
  clearOn(w, w.commands, code, message);
}

export function isRaised(w: Work, code: string): boolean {
  return w.s.activeAlerts.includes(code);
}
