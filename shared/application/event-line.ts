/**
 * One readable line per trading event, for a person watching `gridbot run` (the JSON logs go to stderr;
 * these to stdout): what was placed, amended, cancelled, refused or filled, at what price and size, and the
 * holdings after a fill; stops; warning and critical alerts. Times in UTC.
 *
 *   12:04:31 dogeklg  BUY   100 @ 0.18  placed (level 0.18)
 *   12:07:02 dogeklg  FILL  BUY 100 @ 0.18  fee 0.0036  → holdings 100 @ 0.18
 *   12:07:02 dogeklg  STOP  placed @ 0.1455
 *
 * Pure: the caller chooses where lines go and drops repeats (a fill may be recorded twice).
 */
import type { TradingEvent } from '../ports/events.js';

const time = (ts: number): string => new Date(ts).toISOString().slice(11, 19);

function size(e: TradingEvent): string {
  return [e.qty, e.price ? `@ ${e.price}` : ''].filter(Boolean).join(' ');
}

function what(e: TradingEvent): string | null {
  const side = (e.side ?? '').toUpperCase().padEnd(4);
  const leg = e.leg ? ` [${e.leg}]` : '';
  const level = e.level ? ` (level ${e.level})` : '';
  switch (e.type) {
    case 'order_placed':
      return `${side}  ${size(e)}  placed${level}${leg}`;
    case 'order_amended':
      return `${side}  ${size(e)}  amended${level}${leg}`;
    case 'order_cancelled':
      return `${side}  ${size(e)}  cancelled${e.reason ? `: ${e.reason}` : ''}${leg}`;
    case 'order_rejected':
      return `${side}  ${size(e)}  REFUSED${e.code ? ` ${e.code}` : ''}${e.reason ? `: ${e.reason}` : ''}${leg}`;
    case 'fill': {
      const fee = e.fee ? `  fee ${e.fee}` : '';
      const by = e.reason ? ` (${e.reason})` : '';
      const after =
        e.holdings !== undefined ? `  → holdings ${e.holdings}${e.avgEntry ? ` @ ${e.avgEntry}` : ''}` : '';
      return `FILL  ${(e.side ?? '').toUpperCase()} ${size(e)}${by}${fee}${after}${leg}`;
    }
    case 'stop_placed':
      return `STOP  placed${e.price ? ` @ ${e.price}` : ''}${e.qty ? ` for ${e.qty}` : ''}${leg}`;
    case 'stop_cancelled':
      return `STOP  cancelled${e.price ? ` @ ${e.price}` : ''}${leg}`;
    case 'alert':
      if (e.severity !== 'warning' && e.severity !== 'critical') return null;
      return `${e.severity === 'critical' ? 'ALERT!' : 'alert '} ${e.code ?? ''}${e.reason ? `: ${e.reason}` : ''}`;
    default:
      return null;
  }
}

/** The line for an event, or null for events not worth a line (info alerts). */
export function eventLine(e: TradingEvent): string | null {
  const body = what(e);
  return body === null ? null : `${time(e.ts)} ${e.instanceId}  ${body.trimEnd()}`;
}

/** The key a repeated record of the same event shares (fills by trade id; others by all they say). */
export function eventKey(e: TradingEvent): string {
  return e.type === 'fill' && e.tradeId
    ? `fill|${e.instanceId}|${e.tradeId}`
    : `${e.type}|${e.instanceId}|${e.ts}|${e.clientOrderId ?? ''}|${e.price ?? ''}|${e.qty ?? ''}|${e.code ?? ''}`;
}
