/**
 * Fills as alerts, for those who want each on their phone (`telegram.alerts.fills`): every fill the
 * event sink records is also told to the notifier as an `info` alert with code `fill` (instance, leg,
 * side, quantity and price, holdings after). Only the Telegram path lets them through: e-mail keeps its
 * severity floor (and the AWS e-mail subscription filters the code out).
 *
 * A fill is told once per process (the sink may be handed the same fill again when it is replayed from
 * state); two processes that both journal one fill (the worker and recon) may both tell it.
 *
 * Entry points: `withFillAlerts`.
 */
import type { Alert } from '../domain/commands.js';
import type { EventSink, TradingEvent } from '../ports/events.js';
import type { Notifier } from '../ports/notifier.js';

const REMEMBERED = 5_000;

export function fillAlert(e: TradingEvent): Alert {
  const what = `${e.side ?? '?'} ${e.qty ?? '?'} at ${e.price ?? '?'}`;
  return {
    kind: 'Alert',
    instanceId: e.instanceId,
    severity: 'info',
    code: 'fill',
    message: `filled: ${what}${e.leg ? ` (${e.leg})` : ''}`,
    data: {
      ...(e.holdings !== undefined ? { holdings: e.holdings } : {}),
      ...(e.fee !== undefined ? { fee: e.fee } : {}),
      ...(e.tradeId !== undefined ? { tradeId: e.tradeId } : {}),
    },
  };
}

export function withFillAlerts(sink: EventSink, notifier: Notifier): EventSink {
  const told = new Set<string>();
  return {
    async record(events) {
      await sink.record(events);
      for (const e of events) {
        if (e.type !== 'fill') continue;
        const key = `${e.instanceId}|${e.tradeId ?? `${e.ts}|${e.clientOrderId}`}`;
        if (told.has(key)) continue;
        told.add(key);
        if (told.size > REMEMBERED) told.delete(told.values().next().value as string);
        await notifier.notify(fillAlert(e));
      }
    },
  };
}
