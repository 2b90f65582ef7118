/**
 * TradingEvent ⇄ JournalEntry. Kinds: fills → `fill`, alerts → `alert`, orders and stops → `order`.
 *
 * The entry id is deterministic, so journaling the same event twice (a retried save, a replay) rewrites
 * the same item instead of adding one:
 *  - fill with a trade id: `fill#<tradeId>`;
 *  - order or stop event with a client order id: `<type>#<clientOrderId>`;
 *  - alert: `alert#<code>`; anything else: `<type>`.
 * Two events of one batch that would share (instance, kind, time, id) get `#2`, `#3`, ... in batch order,
 * so none overwrites another.
 */
import type { TradingEvent, TradingEventType } from '../../ports/events.js';
import type { JournalEntry, JournalKind } from '../../ports/state-store.js';

export function journalKindOf(type: TradingEventType): JournalKind {
  if (type === 'fill') return 'fill';
  if (type === 'alert') return 'alert';
  return 'order';
}

function baseId(event: TradingEvent): string {
  if (event.type === 'fill' && event.tradeId) return `fill#${event.tradeId}`;
  if (event.type === 'alert') return `alert#${event.code ?? 'none'}`;
  if (event.clientOrderId) return `${event.type}#${event.clientOrderId}`;
  return event.type;
}

/** The event's fields besides instance and time, all as journal values (strings stay strings). */
function dataOf(event: TradingEvent): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(event)) {
    if (k === 'instanceId' || k === 'ts' || v === undefined) continue;
    data[k] = String(v);
  }
  return data;
}

export function journalEntriesOf(events: readonly TradingEvent[]): JournalEntry[] {
  const used = new Map<string, number>();
  return events.map((event) => {
    const kind = journalKindOf(event.type);
    const base = baseId(event);
    const slot = `${event.instanceId}\n${kind}\n${event.ts}\n${base}`;
    const n = (used.get(slot) ?? 0) + 1;
    used.set(slot, n);
    return {
      instanceId: event.instanceId,
      kind,
      time: event.ts,
      id: n === 1 ? base : `${base}#${n}`,
      data: dataOf(event),
    };
  });
}

const EVENT_TYPES: ReadonlySet<string> = new Set<TradingEventType>([
  'order_placed',
  'order_amended',
  'order_cancelled',
  'order_rejected',
  'fill',
  'stop_placed',
  'stop_cancelled',
  'alert',
]);

const STRING_FIELDS = [
  'price',
  'qty',
  'level',
  'clientOrderId',
  'holdings',
  'avgEntry',
  'reason',
  'code',
  'tradeId',
  'fee',
  'leg',
  'entry',
  'spacing',
  'allowance',
] as const;

/** Reads a journaled event back (reports, tests); `null` for entries this sink did not write. */
export function eventFromJournal(entry: JournalEntry): TradingEvent | null {
  const d = entry.data;
  const type = d.type;
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return null;
  const event: Record<string, unknown> = { ts: entry.time, type, instanceId: entry.instanceId };
  if (d.side === 'buy' || d.side === 'sell') event.side = d.side;
  if (d.severity === 'info' || d.severity === 'warning' || d.severity === 'critical')
    event.severity = d.severity;
  for (const k of STRING_FIELDS) if (typeof d[k] === 'string') event[k] = d[k];
  if (d.orderRole === 'open' || d.orderRole === 'close') event.orderRole = d.orderRole;
  if (typeof d.paramsVersion === 'string' && /^\d+$/.test(d.paramsVersion))
    event.paramsVersion = Number(d.paramsVersion);
  return event as unknown as TradingEvent;
}
