/**
 * The hedge pairs' state: the envelope every strategy shares, one leg per account (role = account id:
 * each account belongs to exactly one pair), and the pairs as they stand now (which accounts are paired,
 * after a shuffle, and where each pair is in its life).
 *
 * A pair's life: `new` (never judged) → `skipped` (it held a position at start, or its accounts could not
 * be read) | `idle` → `opening` (its two IOC opens sent) → `open` → `closing` (handed to the closer) →
 * `idle` again (rotation) or `stopped` (its loss threshold, a stop that fired, a severe error). A leg
 * that holds more than its partner is settled in every state but `closing` (`partial_fill`).
 *
 * Stored through the strategy-neutral envelope: cursors and trade ids per leg, the live orders as slots,
 * the rest in `body`. What `parseHedgePairsState` accepts is exactly what `hedgePairsStateToJson` writes.
 */
import { z } from 'zod';
import { type Decimal, ZERO } from '../../money.js';
import { closingSideOf, type FillCursor, openingSideOf } from '../../orders.js';
import { decimalString, plainJson } from '../../schema-helpers.js';
import {
  envelopeOf,
  envelopeState,
  legCursorFrom,
  legCursorsOf,
  type OrderSlot,
  readStrategyState,
  storeInstance,
} from '../../stored-instance.js';
import type { InstanceEnvelope } from '../../strategy.js';
import { HEDGE_PAIRS } from './config.js';

export type PairStatus = 'new' | 'skipped' | 'idle' | 'opening' | 'open' | 'closing' | 'stopped';

/** An opening (or top-up) IOC order of a leg, from its decision until its outcome and fills settle it. */
export interface LegOrder {
  readonly clientOrderId: string;
  readonly qty: Decimal;
  readonly filled: Decimal;
  /** What the venue's answer said it executed, when it said the order is over (null: not known yet). */
  readonly executed: Decimal | null;
  readonly sentAt: number;
  /**
   * `sent`: no outcome yet; `placed`: acknowledged (an IOC: its fills follow within moments);
   * `unknown`: the call timed out or its outcome never came (recon looks it up).
   */
  readonly state: 'sent' | 'placed' | 'unknown';
}

export interface PairLeg {
  readonly side: 'LONG' | 'SHORT';
  /** Coins held (never negative): our fills count it, recon's read of the exchange sets it. */
  readonly qty: Decimal;
  readonly entry: Decimal;
  /** When the exchange last reported the position (null: not read yet: nothing opens before). */
  readonly positionAt: number | null;
  readonly order: LegOrder | null;
  /** The protective stop in force (`STOP_MARKET closePosition`, mark price). */
  readonly stopId: string | null;
  readonly stopTrigger: Decimal | null;
  readonly stopRefusedAt: number | null;
  /** Refusals of its stop in a row (three and the pair is closed: a leg never holds without a stop). */
  readonly stopRefusals: number;
  readonly cursor: FillCursor | null;
  readonly trades: readonly { readonly id: string; readonly time: number }[];
  /** Coins traded by our orders on this leg (turnover) and their fees. */
  readonly volume: Decimal;
  readonly fees: Decimal;
  /** PnL realized by reducing fills against the entry, before fees. */
  readonly realized: Decimal;
}

export interface Pair {
  readonly long: string;
  readonly short: string;
  readonly status: PairStatus;
  /** When the status began. */
  readonly since: number;
  /** Why it is skipped, stopped or closing (null otherwise). */
  readonly reason: string | null;
  /** Coins each leg opens to (set when the opens go out). */
  readonly target: Decimal | null;
  /** Top-ups tried for the current imbalance (`partial_fill.action: hedge`). */
  readonly topUps: number;
  /** Consecutive recoverable errors, and the time before which it does not try again. */
  readonly errors: number;
  readonly retryAt: number | null;
  /** After a refused unwind, the next is not sent before this time (null: none refused). */
  readonly unwindRetryAt: number | null;
  /** When its legs were last handed to the closer (a pair still closing asks again after a while). */
  readonly handedAt: number | null;
  /** Rotation: a flat pair reopens from this time (null: when it may). */
  readonly reopenAt: number | null;
  readonly rotations: number;
  /** The last error it met (kept for the report), with its time. */
  readonly lastError: { readonly at: number; readonly message: string } | null;
}

export interface HedgePairsState extends InstanceEnvelope {
  readonly strategy: typeof HEDGE_PAIRS;
  readonly nextSeq: number;
  readonly legs: Readonly<Record<string, PairLeg>>;
  readonly pairs: readonly Pair[];
  /** How many times the pairing was shuffled (seeds the next shuffle: decisions stay pure). */
  readonly shuffles: number;
}

const time = z.number().int().nonnegative();
const id = z.string().regex(/^[A-Za-z0-9]{1,36}$/);

const legBody = z
  .object({
    side: z.enum(['LONG', 'SHORT']),
    qty: decimalString.refine((d) => !d.isNegative(), { message: 'a leg never holds a negative quantity' }),
    entry: decimalString,
    positionAt: time.nullable(),
    order: z
      .object({
        clientOrderId: id,
        qty: decimalString,
        filled: decimalString,
        executed: decimalString.nullable(),
        sentAt: time,
        state: z.enum(['sent', 'placed', 'unknown']),
      })
      .strict()
      .nullable(),
    stopId: id.nullable(),
    stopTrigger: decimalString.nullable(),
    stopRefusedAt: time.nullable(),
    stopRefusals: z.number().int().nonnegative(),
    volume: decimalString,
    fees: decimalString,
    realized: decimalString,
  })
  .strict()
  .refine((l) => (l.stopId === null) === (l.stopTrigger === null), {
    message: 'a stop id goes with its trigger',
    path: ['stopTrigger'],
  });

const pairBody = z
  .object({
    long: z.string().min(1),
    short: z.string().min(1),
    status: z.enum(['new', 'skipped', 'idle', 'opening', 'open', 'closing', 'stopped']),
    since: time,
    reason: z.string().nullable(),
    target: decimalString.nullable(),
    topUps: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    retryAt: time.nullable(),
    unwindRetryAt: time.nullable(),
    handedAt: time.nullable(),
    reopenAt: time.nullable(),
    rotations: z.number().int().nonnegative(),
    lastError: z.object({ at: time, message: z.string() }).strict().nullable(),
  })
  .strict();

const body = z
  .object({
    legs: z.record(z.string().min(1), legBody),
    pairs: z.array(pairBody),
    shuffles: z.number().int().nonnegative(),
  })
  .strict()
  .superRefine((b, ctx) => {
    b.pairs.forEach((p, i) => {
      if (b.legs[p.long]?.side !== 'LONG' || b.legs[p.short]?.side !== 'SHORT')
        ctx.addIssue({
          code: 'custom',
          path: ['pairs', i],
          message: `pair ${i + 1} names legs that are not a LONG and a SHORT leg of this instance`,
        });
    });
  });

export function initialPairLeg(side: 'LONG' | 'SHORT'): PairLeg {
  return {
    side,
    qty: ZERO,
    entry: ZERO,
    positionAt: null,
    order: null,
    stopId: null,
    stopTrigger: null,
    stopRefusedAt: null,
    stopRefusals: 0,
    cursor: null,
    trades: [],
    volume: ZERO,
    fees: ZERO,
    realized: ZERO,
  };
}

export function initialPair(long: string, short: string, now: number): Pair {
  return {
    long,
    short,
    status: 'new',
    since: now,
    reason: null,
    target: null,
    topUps: 0,
    errors: 0,
    retryAt: null,
    unwindRetryAt: null,
    handedAt: null,
    reopenAt: null,
    rotations: 0,
    lastError: null,
  };
}

/** The live orders as strategy-neutral slots (opening IOCs and protective stops). */
export function pairSlots(s: HedgePairsState): OrderSlot[] {
  const out: OrderSlot[] = [];
  for (const [role, l] of Object.entries(s.legs)) {
    if (l.order)
      out.push({
        clientOrderId: l.order.clientOrderId,
        leg: role,
        kind: 'limit',
        side: openingSideOf(l.side),
        price: null,
        qty: l.order.qty,
        filled: l.order.filled,
        pending: l.order.state === 'sent' ? 'place' : null,
        uncertain: l.order.state === 'unknown',
      });
    if (l.stopId && l.stopTrigger)
      out.push({
        clientOrderId: l.stopId,
        leg: role,
        kind: 'stop',
        side: closingSideOf(l.side),
        price: l.stopTrigger,
        qty: null,
        filled: ZERO,
        pending: null,
        uncertain: false,
      });
  }
  return out;
}

export function hedgePairsStateToJson(s: HedgePairsState): unknown {
  return storeInstance({
    ...envelopeOf(s),
    legs: legCursorsOf(Object.entries(s.legs)),
    orders: pairSlots(s),
    body: plainJson({
      legs: Object.fromEntries(
        Object.entries(s.legs).map(([role, { cursor: _, trades: __, ...rest }]) => [role, rest]),
      ),
      pairs: s.pairs,
      shuffles: s.shuffles,
    }) as Record<string, unknown>,
  });
}

export function parseHedgePairsState(json: unknown, where = 'hedge pairs state'): HedgePairsState {
  const { envelope: e, body: b } = readStrategyState(json, HEDGE_PAIRS, body, where);
  const legs: Record<string, PairLeg> = {};
  for (const [role, l] of Object.entries(b.legs))
    legs[role] = {
      ...(l as Omit<PairLeg, 'cursor' | 'trades'>),
      ...legCursorFrom(e, role),
    };
  return {
    strategy: HEDGE_PAIRS,
    ...envelopeState(e),
    legs,
    pairs: b.pairs as Pair[],
    shuffles: b.shuffles,
  };
}
