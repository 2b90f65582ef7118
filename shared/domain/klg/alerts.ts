/**
 * Alerts from the Key Level Grid. Conditions that persist (no qualified resistance, a grid unit below the
 * exchange minimum...) alert once when they appear and once when they clear, not on every recon; events
 * (a stop-loss fill, a consistency-guard reset) alert every time.
 */
import type { AlertSeverity } from '../commands.js';
import type { Work } from './context.js';

export function alertEvent(
  w: Work,
  severity: AlertSeverity,
  code: string,
  message: string,
  data?: Record<string, string>,
): void {
  w.commands.push({
    kind: 'Alert',
    instanceId: w.s.instanceId,
    severity,
    code,
    message,
    ...(data ? { data } : {}),
  });
}

/** Raises a persistent condition (alerts only if it was not already raised). */
export function raiseCondition(
  w: Work,
  severity: AlertSeverity,
  code: string,
  message: string,
  data?: Record<string, string>,
): void {
  if (w.s.activeAlerts.includes(code)) return;
  w.s.activeAlerts.push(code);
  alertEvent(w, severity, code, message, data);
}

/** Clears a persistent condition (an info alert says it resolved). */
export function clearCondition(w: Work, code: string, message: string): void {
  const i = w.s.activeAlerts.indexOf(code);
  if (i < 0) return;
  w.s.activeAlerts.splice(i, 1);
  alertEvent(w, 'info', `${code}_resolved`, message);
}
