/**
 * `events.jsonl`: the trading events the application emitted, one JSON object per line in time order.
 * Byte-identical for the same inputs: events are ordered by (virtual time, instance in config order,
 * order of emission within the instance) — never by wall time, and never by how two instances' work
 * happened to interleave — and every line writes its fields in one fixed order.
 */
import type { TradingEvent } from '../../ports/events.js';

const FIELDS = [
  'ts',
  'type',
  'instanceId',
  'side',
  'price',
  'qty',
  'level',
  'clientOrderId',
  'holdings',
  'avgEntry',
  'reason',
  'severity',
  'code',
  'tradeId',
  'fee',
  'leg',
  'orderRole',
  'paramsVersion',
  'entry',
  'spacing',
  'allowance',
] as const satisfies readonly (keyof TradingEvent)[];

/** Events in file order. `instanceOrder` lists instance ids as the config does. */
export function orderEvents(
  events: readonly TradingEvent[],
  instanceOrder: readonly string[],
): TradingEvent[] {
  const rank = new Map(instanceOrder.map((id, i) => [id, i]));
  return events
    .map((event, i) => ({ event, i, r: rank.get(event.instanceId) ?? instanceOrder.length }))
    .sort((a, b) => a.event.ts - b.event.ts || a.r - b.r || a.i - b.i)
    .map((x) => x.event);
}

export function eventLine(event: TradingEvent): string {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) if (event[k] !== undefined) out[k] = event[k];
  return JSON.stringify(out);
}

export function eventsJsonl(events: readonly TradingEvent[]): string {
  return events.map((e) => `${eventLine(e)}\n`).join('');
}
