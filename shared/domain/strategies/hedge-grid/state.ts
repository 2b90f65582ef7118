/**
 * The ATR hedge grid's state: the envelope every strategy shares; the parameter version in force (one for
 * both legs: a new version is adopted by both in one decision); per leg (`long`, `short`) its executor's
 * levels, protective stop, the position as the exchange last reported it, its failure (the sync rule's
 * input) and its figures; and the risk controller's last verdict.
 *
 * Stored through the strategy-neutral envelope (`stored-instance.ts`): cursors and trade ids per leg, the
 * live orders as slots, the rest in `body`. What `parseHedgeGridState` accepts is exactly what
 * `hedgeGridStateToJson` writes; anything else is refused with the field named, never half read.
 */
import { z } from 'zod';
import { type Decimal, ZERO } from '../../money.js';
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
import { HEDGE_GRID } from './config.js';
import {
  closingSide,
  type GridLevel,
  type HedgeSide,
  type LegGrid,
  openingSide,
  type ParamsInForce,
} from './executor.js';

export type LegRole = 'long' | 'short';

export interface LegStats {
  /** Completed grid cycles (a take-profit that closed its level's last coin), and those that made money. */
  readonly cycles: number;
  readonly wins: number;
  /** PnL of closed coins before fees, and the fees of every fill of ours. */
  readonly realized: Decimal;
  readonly fees: Decimal;
  readonly trades: number;
}

export interface HedgeLeg {
  readonly side: HedgeSide;
  readonly grid: LegGrid;
  /** The protective stop in force (`STOP_MARKET closePosition`), its trigger, and when it was last refused. */
  readonly stopId: string | null;
  readonly stopTrigger: Decimal | null;
  readonly stopRefusedAt: number | null;
  /** The position as the exchange last reported it (recon), null before the first read. */
  readonly position: { readonly qty: Decimal; readonly entry: Decimal; readonly liquidation: Decimal | null };
  readonly positionAt: number | null;
  /**
   * Coins the leg holds by the fills applied to it (opening side minus closing side), never adopted from
   * the exchange: the ledger journal lines state and the shadow ledger holds against the exchange.
   */
  readonly ledgerQty: Decimal;
  /** Refusals of the leg's orders in a row (post-only bounces do not count). */
  readonly rejections: number;
  /** Why the leg failed (orders kept failing, its stop fired, its account was unreachable): both flatten. */
  readonly failure: { readonly at: number; readonly reason: string } | null;
  readonly stats: LegStats;
  readonly cursor: FillCursor | null;
  readonly trades: readonly { readonly id: string; readonly time: number }[];
}

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';

export interface RiskState {
  /** The combined equity's high-water mark (drawdown is measured from it). */
  readonly peakEquity: Decimal | null;
  readonly level: RiskLevel;
  /** Legs the risk controller has stopped from opening (a `stop_opening` breach). */
  readonly stopOpening: readonly LegRole[];
  /** The limits breached on the last check. */
  readonly breaches: readonly string[];
  readonly checkedAt: number | null;
  /** The last check's figures, as text (status, dashboard, report). */
  readonly metrics: Readonly<Record<string, string>>;
  /** The largest drawdown any check has seen. */
  readonly maxDrawdown: Decimal;
  /** Risk checks in a row that could not read a leg's account (the sync rule fails the leg at 3). */
  readonly unreachable: Readonly<Partial<Record<LegRole, number>>>;
}

export interface HedgeGridState extends InstanceEnvelope {
  readonly strategy: typeof HEDGE_GRID;
  readonly nextSeq: number;
  readonly params: ParamsInForce | null;
  readonly legs: Readonly<Partial<Record<LegRole, HedgeLeg>>>;
  readonly risk: RiskState;
  /** Both legs are being flattened (a risk emergency or the sync rule): nothing opens until a resume. */
  readonly shutdown: {
    readonly at: number;
    readonly reason: string;
    /** The flatten was handed to the closer (or closed at market): until then each risk check tries it. */
    readonly handedOver: boolean;
  } | null;
}

export const EMPTY_STATS: LegStats = { cycles: 0, wins: 0, realized: ZERO, fees: ZERO, trades: 0 };

export const INITIAL_RISK: RiskState = {
  peakEquity: null,
  level: 'low',
  stopOpening: [],
  breaches: [],
  checkedAt: null,
  metrics: {},
  maxDrawdown: ZERO,
  unreachable: {},
};

export function initialHedgeLeg(side: HedgeSide): HedgeLeg {
  return {
    side,
    grid: { levels: [], lastBatchAt: null },
    stopId: null,
    stopTrigger: null,
    stopRefusedAt: null,
    position: { qty: ZERO, entry: ZERO, liquidation: null },
    positionAt: null,
    ledgerQty: ZERO,
    rejections: 0,
    failure: null,
    stats: EMPTY_STATS,
    cursor: null,
    trades: [],
  };
}

/** The legs present, in their fixed order (long first). */
export function legEntries(s: HedgeGridState): [LegRole, HedgeLeg][] {
  const out: [LegRole, HedgeLeg][] = [];
  if (s.legs.long) out.push(['long', s.legs.long]);
  if (s.legs.short) out.push(['short', s.legs.short]);
  return out;
}

/** Live orders as strategy-neutral slots: every grid order and the protective stops. */
export function hedgeSlots(s: HedgeGridState): OrderSlot[] {
  const out: OrderSlot[] = [];
  for (const [role, leg] of legEntries(s)) {
    for (const l of leg.grid.levels)
      for (const [o, side] of [
        [l.open, openingSide(leg.side)],
        [l.close, closingSide(leg.side)],
      ] as const)
        if (o)
          out.push({
            clientOrderId: o.id,
            leg: role,
            kind: 'limit',
            side,
            price: o.price,
            qty: o.qty,
            filled: o.filled,
            pending: o.pending,
            uncertain: false,
          });
    if (leg.stopId && leg.stopTrigger)
      out.push({
        clientOrderId: leg.stopId,
        leg: role,
        kind: 'stop',
        side: closingSide(leg.side),
        price: leg.stopTrigger,
        qty: null,
        filled: ZERO,
        pending: null,
        uncertain: false,
      });
  }
  return out;
}

const time = z.number().int().nonnegative();
const clientId = z.string().regex(/^[A-Za-z0-9]{1,36}$/);
const nonNeg = decimalString.refine((d) => !d.isNegative(), { message: 'must not be negative' });

const gridOrder = z
  .object({
    id: clientId,
    price: decimalString,
    qty: nonNeg,
    filled: nonNeg,
    placedAt: time,
    pending: z.enum(['place', 'cancel']).nullable(),
  })
  .strict();

const level = z
  .object({
    key: z.number().int().nonnegative(),
    price: decimalString,
    version: z.number().int().nonnegative(),
    open: gridOrder.nullable(),
    close: gridOrder.nullable(),
    held: nonNeg,
    entry: nonNeg,
    refusals: z.number().int().nonnegative(),
    failedAt: time.nullable(),
    completedAt: time.nullable(),
  })
  .strict();

const params = z
  .object({
    version: z.number().int().nonnegative(),
    computedAt: time,
    levelPrices: z.array(decimalString),
    spacing: decimalString,
    amountPerLevel: decimalString,
    leverage: z.number().int().min(1),
    upper: decimalString,
    lower: decimalString,
    maintMarginRatio: decimalString,
  })
  .strict();

const legBody = z
  .object({
    side: z.enum(['LONG', 'SHORT']),
    levels: z.array(level),
    lastBatchAt: time.nullable(),
    stopId: clientId.nullable(),
    stopTrigger: decimalString.nullable(),
    stopRefusedAt: time.nullable(),
    position: z.object({ qty: nonNeg, entry: decimalString, liquidation: decimalString.nullable() }).strict(),
    positionAt: time.nullable(),
    ledgerQty: decimalString,
    rejections: z.number().int().nonnegative(),
    failure: z.object({ at: time, reason: z.string() }).strict().nullable(),
    stats: z
      .object({
        cycles: z.number().int().nonnegative(),
        wins: z.number().int().nonnegative(),
        realized: decimalString,
        fees: decimalString,
        trades: z.number().int().nonnegative(),
      })
      .strict(),
  })
  .strict();

const body = z
  .object({
    params: params.nullable(),
    legs: z.object({ long: legBody.optional(), short: legBody.optional() }).strict(),
    risk: z
      .object({
        peakEquity: decimalString.nullable(),
        level: z.enum(['low', 'medium', 'high', 'critical']),
        stopOpening: z.array(z.enum(['long', 'short'])),
        breaches: z.array(z.string()),
        checkedAt: time.nullable(),
        metrics: z.record(z.string(), z.string()),
        maxDrawdown: decimalString,
        unreachable: z
          .object({
            long: z.number().int().nonnegative().optional(),
            short: z.number().int().nonnegative().optional(),
          })
          .strict(),
      })
      .strict(),
    shutdown: z.object({ at: time, reason: z.string(), handedOver: z.boolean() }).strict().nullable(),
  })
  .strict();

export function hedgeGridStateToJson(s: HedgeGridState): unknown {
  const legs = legEntries(s);
  return storeInstance({
    ...envelopeOf(s),
    legs: legCursorsOf(legs),
    orders: hedgeSlots(s),
    body: plainJson({
      params: s.params,
      legs: Object.fromEntries(
        legs.map(([role, l]) => [
          role,
          {
            side: l.side,
            levels: l.grid.levels,
            lastBatchAt: l.grid.lastBatchAt,
            stopId: l.stopId,
            stopTrigger: l.stopTrigger,
            stopRefusedAt: l.stopRefusedAt,
            position: l.position,
            positionAt: l.positionAt,
            ledgerQty: l.ledgerQty,
            rejections: l.rejections,
            failure: l.failure,
            stats: l.stats,
          },
        ]),
      ),
      risk: s.risk,
      shutdown: s.shutdown,
    }) as Record<string, unknown>,
  });
}

export function parseHedgeGridState(json: unknown, where = 'hedge grid state'): HedgeGridState {
  const { envelope: e, body: b } = readStrategyState(json, HEDGE_GRID, body, where);
  const legs: Partial<Record<LegRole, HedgeLeg>> = {};
  for (const role of ['long', 'short'] as const) {
    const l = b.legs[role];
    if (!l) continue;
    legs[role] = {
      side: l.side,
      grid: { levels: l.levels as GridLevel[], lastBatchAt: l.lastBatchAt },
      stopId: l.stopId,
      stopTrigger: l.stopTrigger,
      stopRefusedAt: l.stopRefusedAt,
      position: l.position,
      positionAt: l.positionAt,
      ledgerQty: l.ledgerQty,
      rejections: l.rejections,
      failure: l.failure,
      stats: l.stats,
      ...legCursorFrom(e, role),
    };
  }
  return {
    strategy: HEDGE_GRID,
    ...envelopeState(e),
    params: b.params as ParamsInForce | null,
    legs,
    risk: b.risk as RiskState,
    shutdown: b.shutdown,
  };
}
