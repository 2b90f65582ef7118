/**
 * The hedge grid's own promises (SPEC §3, issue 17), checked on a run's event log independently of the
 * engine: they read only what the journal says of each order (`leg`, `orderRole`, `paramsVersion`,
 * `entry`, `spacing`, `allowance`) and fill. Run by the simulator when a strategy's `eventChecks` give
 * `hedge` (the legs' roles and sides); the generic checks (`event-checks.ts`) run as well, per leg.
 *
 *  H1. Every take-profit keeps one spacing from the entry it closes: a LONG leg's sell at or above
 *      `entry + spacing`, a SHORT leg's buy at or below `entry − spacing`, to within one tick.
 *  H2. Every coin a leg holds has its take-profit: coins held beyond what resting take-profits (and the
 *      filled part of opens still resting, whose take-profit waits for the rest) cover are flagged after
 *      a minute of market time. A flatten (after `flatten_started` or `hedge_shutdown`) is exempt.
 *  H3. Never two parameter versions live: opening orders of two versions resting together for longer
 *      than `VERSION_GRACE_MS` (the decision that adopts a version cancels the old opens first).
 *  H4. The net stays within the imbalance allowance: an opening order is placed only while the leg's
 *      coins, plus its resting opens (this one included), less what the other leg would still hold were
 *      its resting take-profits to fill, stay within the allowance it states.
 */
import { type Decimal, dec, ZERO } from '../money.js';
import type { LoggedEvent } from './event-checks.js';

/** The fields of an event these checks read besides the generic ones. */
export interface HedgeLoggedEvent extends LoggedEvent {
  readonly orderRole?: 'open' | 'close' | undefined;
  readonly paramsVersion?: number | undefined;
  readonly entry?: string | undefined;
  readonly spacing?: string | undefined;
  readonly allowance?: string | undefined;
}

export interface HedgeCheckSpec {
  readonly legs: Readonly<Record<string, 'LONG' | 'SHORT'>>;
  readonly tickSize: Decimal;
  /** When the run ended (a leg still short of take-profits then is measured to it). */
  readonly end?: number;
}

const MINUTE = 60_000;
export const VERSION_GRACE_MS = 10_000;

interface LiveOrder {
  readonly leg: string;
  readonly role: 'open' | 'close';
  readonly version: number | undefined;
  qty: Decimal;
  filled: Decimal;
}

interface LegBook {
  held: Decimal;
  shortSince: number | null;
}

export function checkHedgeLog(events: readonly HedgeLoggedEvent[], spec: HedgeCheckSpec): string[] {
  const out: string[] = [];
  const live = new Map<string, LiveOrder>();
  const legs = new Map<string, LegBook>();
  for (const leg of Object.keys(spec.legs)) legs.set(leg, { held: ZERO, shortSince: null });
  let flattening = false;
  // A flatten reports done per account: the legs are being closed until every one of them is flat.
  let doneReported = false;
  let twoVersionsSince: number | null = null;
  const allFlat = () => [...legs.values()].every((b) => b.held.isZero());

  const covered = (leg: string): Decimal => {
    let c = ZERO;
    for (const o of live.values())
      if (o.leg === leg) c = c.plus(o.role === 'close' ? o.qty.minus(o.filled) : o.filled);
    return c;
  };
  const judgeCover = (ts: number, leg: string) => {
    const book = legs.get(leg);
    if (!book) return;
    const bare = !flattening && book.held.greaterThan(covered(leg));
    if (bare) book.shortSince ??= ts;
    else {
      if (book.shortSince !== null && ts - book.shortSince > MINUTE)
        out.push(
          `@${new Date(book.shortSince).toISOString()}: the ${leg} leg held coins without a take-profit for ${Math.round((ts - book.shortSince) / 1000)} s`,
        );
      book.shortSince = null;
    }
  };
  const judgeVersions = (ts: number) => {
    const versions = new Set<number>();
    for (const o of live.values()) if (o.role === 'open' && o.version !== undefined) versions.add(o.version);
    if (versions.size > 1) twoVersionsSince ??= ts;
    else {
      if (twoVersionsSince !== null && ts - twoVersionsSince > VERSION_GRACE_MS)
        out.push(
          `@${new Date(twoVersionsSince).toISOString()}: opening orders of two parameter versions rested together for ${Math.round((ts - twoVersionsSince) / 1000)} s`,
        );
      twoVersionsSince = null;
    }
  };

  for (const e of events) {
    const where = `@${new Date(e.ts).toISOString()} ${e.type}${e.clientOrderId ? ` ${e.clientOrderId}` : ''}`;
    const id = e.clientOrderId ?? '';
    if (e.type === 'alert' && (e.code === 'flatten_started' || e.code === 'hedge_shutdown') && !flattening) {
      // From here the closer works the legs down: a window already open is judged up to now and closed.
      flattening = true;
      for (const leg of legs.keys()) judgeCover(e.ts, leg);
    }
    if (e.type === 'alert' && e.code === 'flatten_done') {
      doneReported = true;
      if (allFlat()) flattening = doneReported = false;
    }
    if (e.type === 'order_placed' && e.leg && e.orderRole && spec.legs[e.leg]) {
      const side = spec.legs[e.leg]!;
      const qty = dec(e.qty ?? '0');
      const price = e.price === undefined ? null : dec(e.price);
      if (e.orderRole === 'close' && price && e.entry !== undefined && e.spacing !== undefined) {
        const entry = dec(e.entry);
        const spacing = dec(e.spacing);
        if (side === 'LONG' && price.lessThan(entry.plus(spacing).minus(spec.tickSize)))
          out.push(
            `${where}: take-profit ${e.price} is closer than one spacing (${e.spacing}) above the entry ${e.entry}`,
          );
        if (side === 'SHORT' && price.greaterThan(entry.minus(spacing).plus(spec.tickSize)))
          out.push(
            `${where}: take-profit ${e.price} is closer than one spacing (${e.spacing}) below the entry ${e.entry}`,
          );
      }
      if (e.orderRole === 'open' && e.allowance !== undefined && Object.keys(spec.legs).length > 1) {
        const allowance = dec(e.allowance);
        let resting = qty;
        for (const o of live.values())
          if (o.leg === e.leg && o.role === 'open') resting = resting.plus(o.qty.minus(o.filled));
        let others = ZERO;
        for (const [leg, b] of legs) if (leg !== e.leg) others = others.plus(b.held);
        for (const o of live.values())
          if (o.leg !== e.leg && o.role === 'close') others = others.minus(o.qty.minus(o.filled));
        const worst = legs.get(e.leg)!.held.plus(resting).minus(others);
        if (worst.greaterThan(allowance))
          out.push(
            `${where}: an open on the ${e.leg} leg could take the net to ${worst.toFixed()}, beyond the imbalance allowance ${e.allowance}`,
          );
      }
      live.set(id, { leg: e.leg, role: e.orderRole, version: e.paramsVersion, qty, filled: ZERO });
      judgeVersions(e.ts);
      judgeCover(e.ts, e.leg);
      continue;
    }
    if (e.type === 'order_cancelled' || e.type === 'order_rejected') {
      const o = live.get(id);
      if (o && (e.type === 'order_cancelled' || !e.reason?.startsWith('cancel refused'))) {
        live.delete(id);
        judgeVersions(e.ts);
        judgeCover(e.ts, o.leg);
      }
      continue;
    }
    if (e.type === 'fill' && e.leg && spec.legs[e.leg] && e.qty !== undefined) {
      const side = spec.legs[e.leg]!;
      const qty = dec(e.qty);
      const opens = (side === 'LONG') === (e.side === 'buy');
      const book = legs.get(e.leg)!;
      book.held = opens ? book.held.plus(qty) : book.held.minus(qty);
      const o = live.get(id);
      if (o) {
        o.filled = o.filled.plus(qty);
        if (!o.filled.lessThan(o.qty)) live.delete(id);
      }
      judgeVersions(e.ts);
      judgeCover(e.ts, e.leg);
      if (doneReported && allFlat()) flattening = doneReported = false;
    }
  }
  const end = spec.end ?? events[events.length - 1]?.ts;
  if (end !== undefined) {
    for (const [leg, b] of legs)
      if (b.shortSince !== null && end - b.shortSince > MINUTE)
        out.push(
          `@${new Date(b.shortSince).toISOString()}: the ${leg} leg held coins without a take-profit for ${Math.round((end - b.shortSince) / 1000)} s (to the end of the run)`,
        );
    if (twoVersionsSince !== null && end - twoVersionsSince > VERSION_GRACE_MS)
      out.push(
        `@${new Date(twoVersionsSince).toISOString()}: opening orders of two parameter versions rested together to the end of the run`,
      );
  }
  return out;
}
