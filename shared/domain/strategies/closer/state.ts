/**
 * The closer's state: the envelope every strategy shares, and per leg (symbol + position side) its
 * execution state (`SideExec`), the position as last known, its protective stop and what it has closed.
 * Market data is not here: the stream worker keeps it (`market-tape.ts`), so a tick that changes no
 * decision is never written.
 *
 * Stored through the strategy-neutral envelope (`stored-instance.ts`): cursors and trade ids per leg, the
 * live orders as slots, the rest in `body`. What `parseCloserState` accepts is exactly what
 * `closerStateToJson` writes; anything else is refused with the field named, never half read.
 */
import { z } from 'zod';
import {
  type CloseSide,
  closingSideOf,
  initialSide,
  type SideExec,
  type SidePosition,
} from '../../closer/engine.js';
import { type Decimal, dec, ZERO } from '../../money.js';
import type { FillCursor } from '../../orders.js';
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
import { CLOSER } from './config.js';

/** What one leg has closed since the instance started (the report's and status's figures). */
export interface CloseStats {
  /** Coins closed by our slices, stops and closes. */
  readonly closed: Decimal;
  /** Quote value of those closes (Σ price × qty). */
  readonly proceeds: Decimal;
  readonly fees: Decimal;
  /** Coins closed by maker fills. */
  readonly makerQty: Decimal;
  /** PnL of what was closed against the position's entry, before fees. */
  readonly realized: Decimal;
  readonly slices: number;
  /** The position and time when the closer first saw it (null: never held). */
  readonly startQty: Decimal | null;
  readonly startAt: number | null;
  /** When it was last worked to flat (null: not flat since it held). */
  readonly flatAt: number | null;
}

export interface CloserLeg {
  readonly exec: SideExec;
  /** The position as last known: recon reads it, our fills count it down. */
  readonly position: SidePosition;
  /** When the exchange last reported it (null: never read yet: nothing is placed before). */
  readonly positionAt: number | null;
  /** The client id of the protective stop in force (`exec.stopTrigger` is its trigger). */
  readonly stopId: string | null;
  /** When the venue last refused the protective stop (it is tried again `STOP_RETRY_MS` later). */
  readonly stopRefusedAt: number | null;
  readonly cursor: FillCursor | null;
  /** Applied trade ids, newest last (bounded): the idempotency set. */
  readonly trades: readonly { readonly id: string; readonly time: number }[];
  readonly stats: CloseStats;
}

export type Urgency = 'normal' | 'emergency';

export interface CloserState extends InstanceEnvelope {
  readonly strategy: typeof CLOSER;
  /** The instance-wide client-id sequence. */
  readonly nextSeq: number;
  readonly legs: Readonly<Record<string, CloserLeg>>;
  /** Placements and cancels of the last second that count against the soft rate limits. */
  readonly sent: readonly number[];
  readonly cancels: readonly number[];
  /** An emergency flatten works with the tightest panic tier whatever the distance to liquidation. */
  readonly urgency: Urgency;
}

export const EMPTY_STATS: CloseStats = {
  closed: ZERO,
  proceeds: ZERO,
  fees: ZERO,
  makerQty: ZERO,
  realized: ZERO,
  slices: 0,
  startQty: null,
  startAt: null,
  flatAt: null,
};

const side = z.enum(['LONG', 'SHORT']);
const mode = z.enum(['MAKER_ONLY', 'AGGRESSIVE_LIMIT']);
const time = z.number().int().nonnegative();

const order = z
  .object({
    clientOrderId: z.string().regex(/^[A-Za-z0-9]{1,36}$/),
    price: decimalString,
    qty: decimalString,
    filled: decimalString,
    placedAt: time,
    ttlMs: z.number().int().positive(),
    mode,
    risk: z.boolean(),
  })
  .strict();

const exec = z
  .object({
    side,
    state: z.enum(['IDLE', 'PLACING', 'WAITING', 'CANCELING', 'COOLDOWN']),
    since: time,
    mode,
    order: order.nullable(),
    makerTimeouts: z.number().int().nonnegative(),
    aggrTimeouts: z.number().int().nonnegative(),
    aggrFills: z.number().int().nonnegative(),
    aggressiveOnce: z.boolean(),
    lastSignalAt: time.nullable(),
    seq: z.number().int().nonnegative(),
    stopTrigger: decimalString.nullable(),
  })
  .strict()
  .refine((e) => (e.order === null) === (e.state === 'IDLE' || e.state === 'COOLDOWN'), {
    message: 'an order is held exactly while PLACING, WAITING or CANCELING',
    path: ['order'],
  });

const position = z
  .object({
    qty: decimalString.refine((d) => !d.isNegative(), { message: 'a side position is never negative' }),
    entry: decimalString,
    leverage: decimalString,
    liquidation: decimalString.nullable(),
  })
  .strict();

const stats = z
  .object({
    closed: decimalString,
    proceeds: decimalString,
    fees: decimalString,
    makerQty: decimalString,
    realized: decimalString,
    slices: z.number().int().nonnegative(),
    startQty: decimalString.nullable(),
    startAt: time.nullable(),
    flatAt: time.nullable(),
  })
  .strict();

const legBody = z
  .object({
    exec,
    position,
    positionAt: time.nullable(),
    stopId: z
      .string()
      .regex(/^[A-Za-z0-9]{1,36}$/)
      .nullable(),
    stopRefusedAt: time.nullable(),
    stats,
  })
  .strict();

const body = z
  .object({
    legs: z.record(z.string().min(1), legBody),
    sent: z.array(time).max(1_000),
    cancels: z.array(time).max(1_000),
    urgency: z.enum(['normal', 'emergency']),
  })
  .strict();

export function initialLeg(closeSide: CloseSide, now: number): CloserLeg {
  return {
    exec: initialSide(closeSide, now),
    position: { qty: ZERO, entry: ZERO, leverage: dec(1), liquidation: null },
    positionAt: null,
    stopId: null,
    stopRefusedAt: null,
    cursor: null,
    trades: [],
    stats: EMPTY_STATS,
  };
}

/** The live orders as strategy-neutral slots (slices and protective stops). */
export function closerSlots(s: CloserState): OrderSlot[] {
  const out: OrderSlot[] = [];
  for (const [role, leg] of Object.entries(s.legs)) {
    const closing = closingSideOf(leg.exec.side);
    const o = leg.exec.order;
    if (o)
      out.push({
        clientOrderId: o.clientOrderId,
        leg: role,
        kind: 'limit',
        side: closing,
        price: o.price,
        qty: o.qty,
        filled: o.filled,
        pending: leg.exec.state === 'PLACING' ? 'place' : leg.exec.state === 'CANCELING' ? 'cancel' : null,
        uncertain: false,
      });
    if (leg.stopId && leg.exec.stopTrigger)
      out.push({
        clientOrderId: leg.stopId,
        leg: role,
        kind: 'stop',
        side: closing,
        price: leg.exec.stopTrigger,
        qty: null,
        filled: ZERO,
        pending: null,
        uncertain: false,
      });
  }
  return out;
}

export function closerStateToJson(s: CloserState): unknown {
  return storeInstance({
    ...envelopeOf(s),
    legs: legCursorsOf(Object.entries(s.legs)),
    orders: closerSlots(s),
    body: plainJson({
      legs: Object.fromEntries(
        Object.entries(s.legs).map(([role, l]) => [
          role,
          {
            exec: l.exec,
            position: l.position,
            positionAt: l.positionAt,
            stopId: l.stopId,
            stopRefusedAt: l.stopRefusedAt,
            stats: l.stats,
          },
        ]),
      ),
      sent: s.sent,
      cancels: s.cancels,
      urgency: s.urgency,
    }) as Record<string, unknown>,
  });
}

export function parseCloserState(json: unknown, where = 'closer state'): CloserState {
  const { envelope: e, body: b } = readStrategyState(json, CLOSER, body, where);
  const legs: Record<string, CloserLeg> = {};
  for (const [role, l] of Object.entries(b.legs)) {
    legs[role] = {
      exec: l.exec as SideExec,
      position: l.position as SidePosition,
      positionAt: l.positionAt,
      stopId: l.stopId,
      stopRefusedAt: l.stopRefusedAt,
      ...legCursorFrom(e, role),
      stats: l.stats as CloseStats,
    };
  }
  return {
    strategy: CLOSER,
    ...envelopeState(e),
    legs,
    sent: b.sent,
    cancels: b.cancels,
    urgency: b.urgency,
  };
}
