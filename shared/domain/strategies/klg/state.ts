/**
 * Key Level Grid state: everything the strategy must remember between decisions, and nothing it can ask
 * the exchange for. Persisted as plain JSON (Decimals as strings) and restored losslessly by
 * `parseKlgState(klgStateToJson(s))`.
 *
 * Invariants (checked by `checkKlgInvariants` and by the property tests):
 *  1. Levels are sorted by strictly increasing price and `levels[i].index === i`.
 *  2. A level in IDLE has no order; a level in PLACING / ACTIVE / CANCELING has one.
 *  3. No level with `fillCounter ≥ max_fill_per_level` holds a live buy.
 *  4. `holdings ≥ 0`; `avgEntry = 0` iff `holdings = 0`; `0 ≤ releasedQuotaRemainder < 1`.
 *  5. `nextSeq` is greater than every sequence number used in a live client order id.
 */
import { z } from 'zod';
import type { Decimal } from '../../money.js';
import { ZERO } from '../../money.js';
import type { FillCursor, Side } from '../../orders.js';
import { decimalString } from '../../schema-helpers.js';
import {
  envelopeFieldsOf,
  isStoredEnvelope,
  type OrderSlot,
  readStoredInstance,
  type StoredInstance,
  storeFlatState,
  unjournaledFillSchema,
} from '../../stored-instance.js';
import type { UnjournaledFill } from '../../strategy.js';
import type { ConvertedUnit } from './grid-unit.js';

export type LevelState = 'IDLE' | 'PLACING' | 'ACTIVE' | 'FILLED' | 'CANCELING';
export type LevelRole = 'SUPPORT' | 'RESISTANCE' | 'AT_PRICE';
/** What a locked (PLACING / CANCELING) level is waiting for. */
export type PendingAction = 'place' | 'amend' | 'cancel';

export interface LiveOrder {
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly side: Side;
  readonly price: Decimal;
  /** Total order quantity in coins. */
  readonly qty: Decimal;
  /** Quantity whose fills have been applied to holdings. */
  readonly filledQty: Decimal;
  /** What is still resting (qty − filledQty as far as we know). */
  readonly openQty: Decimal;
  readonly seq: number;
  /** Set while the level is PLACING or CANCELING. */
  readonly pending: PendingAction | null;
  /** The exchange call's outcome is unknown (timeout, 5xx): settle by client id before anything else. */
  readonly uncertain: boolean;
}

export interface GridLevel {
  readonly index: number;
  readonly price: Decimal;
  readonly role: LevelRole;
  readonly state: LevelState;
  /** Buys filled here and not yet released by sells (SPEC §2 quota counter). */
  readonly fillCounter: number;
  readonly order: LiveOrder | null;
  /** When `state` last changed (ms). */
  readonly stateSince: number;
  /** Resistance skipped by the profit guard at the last allocation. */
  readonly profitLocked: boolean;
}

export interface StopState {
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly triggerPrice: Decimal;
  /** Position size (coins) the stop was placed for (a quantity stop covers exactly this much). */
  readonly coveredQty: Decimal;
  /**
   * Binance `closePosition`: closes whatever the position is when it fires, so fills made while our
   * processes are down stay covered. The venue allows one per side; a replacement is a quantity stop
   * placed before the old one is cancelled (and upgraded back to closePosition the same way).
   */
  readonly closePosition: boolean;
  readonly state: 'PLACING' | 'ACTIVE' | 'CANCELING';
  readonly since: number;
  readonly uncertain: boolean;
}

/** A protective close in flight (the stop trigger was already behind the price). */
export interface FlattenState {
  readonly clientOrderId: string;
  readonly qty: Decimal;
  readonly since: number;
  /** The call's outcome is unknown: recon settles it by the position. */
  readonly uncertain: boolean;
}

/** What the account can carry, as the recon track last read it (the event track decides with it). */
export interface MarginFacts {
  /** Wallet balance of the settlement asset (cross margin), quote currency. */
  readonly wallet: Decimal;
  /** The symbol's leverage on the exchange (null when the venue did not say). */
  readonly leverage: Decimal | null;
  /** Maintenance-margin rate used for the liquidation estimate. */
  readonly maintMarginRate: Decimal;
  /** The exchange's own liquidation price for the position, when it reported one. */
  readonly liquidationPrice: Decimal | null;
  readonly at: number;
}

export interface RecentTrade {
  readonly id: string;
  readonly time: number;
}

export type { UnjournaledFill };

export interface KlgState {
  readonly schema: 1;
  readonly strategy: 'key_level_grid';
  readonly instanceId: string;
  /** Optimistic-concurrency version: the store's conditional writes compare it. */
  readonly version: number;
  /** Incremented by every rebuild; orders with `seq < epochStartSeq` belong to an earlier grid. */
  readonly epoch: number;
  readonly epochStartSeq: number;
  /** Next order sequence number (instance-wide, never reused). */
  readonly nextSeq: number;
  readonly levels: readonly GridLevel[];
  /** Coins held on the instance's position side. */
  readonly holdings: Decimal;
  readonly avgEntry: Decimal;
  readonly realizedPnl: Decimal;
  readonly feesPaid: Decimal;
  /** Fraction of a grid unit sold but not yet enough to release a whole counter. */
  readonly releasedQuotaRemainder: Decimal;
  /**
   * The grid unit a quote-sized config (`quote_amount_per_grid`) was converted to (null for a coin-sized
   * one): see `grid-unit.ts`.
   */
  readonly unit: ConvertedUnit | null;
  /**
   * Applied trade ids after (and a few before) the fill cursor: with the cursor, the idempotency set of
   * fill processing. A trade at or before the cursor has been applied; one after it, iff listed here.
   */
  readonly recentTrades: readonly RecentTrade[];
  /** The last trade the recon track read from trade history; only recon advances it. */
  readonly fillCursor: FillCursor | null;
  /** Applied fills whose journal line may not be written yet, oldest first (bounded). */
  readonly unjournaled: readonly UnjournaledFill[];
  /** Coins bought / sold since the position was last flat: the 70% sell quota is measured against them. */
  readonly boughtSinceFlat: Decimal;
  readonly soldSinceFlat: Decimal;
  /** An exchange position that differed from our ledger at the last recon (adopted if it persists). */
  readonly positionMismatch: { readonly exchangeQty: Decimal; readonly seenAt: number } | null;
  readonly stops: readonly StopState[];
  readonly paused: boolean;
  readonly pauseReason: string | null;
  /** Alert codes currently raised, so a persisting condition alerts once, not every recon. */
  readonly activeAlerts: readonly string[];
  /** Repeats of a raised condition that did not alert, by code; reported with its resolution. */
  readonly suppressedAlerts: Readonly<Record<string, number>>;
  /** A protective close in flight (see `FlattenState`). */
  readonly flatten: FlattenState | null;
  /**
   * Coins held when an operator reset the counters: the consistency guard treats them as a locked base
   * (so it does not undo the reset) until the position is next flat. Shrinks with sells.
   */
  readonly resetBaseQty: Decimal;
  /** Margin facts from the last recon (null before the first). */
  readonly margin: MarginFacts | null;
  /** The last price a decision saw (alerts state the position's value with it). */
  readonly lastPrice: Decimal | null;
  readonly anchorPrice: Decimal | null;
  readonly lastRebuildAt: number | null;
  readonly lastReconAt: number | null;
  /** After the exchange rate-limited a recon pass, scheduled passes before this time are skipped. */
  readonly reconBackoffUntil: number | null;
  readonly paramsVersion: number | null;
  readonly updatedAt: number;
}

/** How many applied trades at or before the cursor are kept (the rest are covered by the cursor). */
export const RECENT_TRADES_BEFORE_CURSOR = 200;

/**
 * How many applied trades after the cursor are kept. They pile up only while recon cannot read trade
 * history (the stream applies fills, the cursor stands still): past `RECENT_TRADES_STUCK_ALERT` a warning
 * says so; past the limit the oldest are folded into the cursor, so the state stays small. A trade older
 * than the new cursor that was never seen would then be missed, which the position check catches.
 */
export const RECENT_TRADES_AFTER_CURSOR_MAX = 1000;
export const RECENT_TRADES_STUCK_ALERT = 500;

/** Unjournaled fills kept at most (journal lines are a record, not state: the oldest give way). */
export const UNJOURNALED_MAX = 100;

/** A fresh grid on the given level prices (sorted, de-duplicated by the caller's level source). */
export function initialKlgState(
  instanceId: string,
  levelPrices: readonly Decimal[],
  now: number,
  opts: { paramsVersion?: number | null; anchorPrice?: Decimal | null } = {},
): KlgState {
  return {
    schema: 1,
    strategy: 'key_level_grid',
    instanceId,
    version: 0,
    epoch: 0,
    epochStartSeq: 0,
    nextSeq: 0,
    levels: buildLevels(levelPrices, now),
    holdings: ZERO,
    avgEntry: ZERO,
    realizedPnl: ZERO,
    feesPaid: ZERO,
    releasedQuotaRemainder: ZERO,
    unit: null,
    recentTrades: [],
    fillCursor: null,
    unjournaled: [],
    boughtSinceFlat: ZERO,
    soldSinceFlat: ZERO,
    positionMismatch: null,
    stops: [],
    paused: false,
    pauseReason: null,
    activeAlerts: [],
    suppressedAlerts: {},
    flatten: null,
    resetBaseQty: ZERO,
    margin: null,
    lastPrice: null,
    anchorPrice: opts.anchorPrice ?? null,
    lastRebuildAt: null,
    lastReconAt: null,
    reconBackoffUntil: null,
    paramsVersion: opts.paramsVersion ?? null,
    updatedAt: now,
  };
}

export function buildLevels(prices: readonly Decimal[], now: number): GridLevel[] {
  const sorted = [...prices].sort((a, b) => a.comparedTo(b));
  const unique: Decimal[] = [];
  for (const p of sorted) if (!unique.length || !unique[unique.length - 1]!.equals(p)) unique.push(p);
  return unique.map((price, index) => ({
    index,
    price,
    role: 'AT_PRICE',
    state: 'IDLE',
    fillCounter: 0,
    order: null,
    stateSince: now,
    profitLocked: false,
  }));
}

// ---------------------------------------------------------------------------------------------------
// Serialization

const sideSchema = z.enum(['buy', 'sell']);

const liveOrderSchema = z.object({
  clientOrderId: z.string().min(1),
  exchangeOrderId: z.string().nullable(),
  side: sideSchema,
  price: decimalString,
  qty: decimalString,
  filledQty: decimalString,
  openQty: decimalString,
  seq: z.number().int().nonnegative(),
  pending: z.enum(['place', 'amend', 'cancel']).nullable(),
  uncertain: z.boolean(),
});

const levelSchema = z.object({
  index: z.number().int().nonnegative(),
  price: decimalString,
  role: z.enum(['SUPPORT', 'RESISTANCE', 'AT_PRICE']),
  state: z.enum(['IDLE', 'PLACING', 'ACTIVE', 'FILLED', 'CANCELING']),
  fillCounter: z.number().int().nonnegative(),
  order: liveOrderSchema.nullable(),
  stateSince: z.number().int(),
  profitLocked: z.boolean(),
});

const stopSchema = z.object({
  clientOrderId: z.string().min(1),
  exchangeOrderId: z.string().nullable(),
  triggerPrice: decimalString,
  coveredQty: decimalString,
  // Key order matches the engine's objects, so a restored state serializes byte for byte the same.
  closePosition: z.boolean().default(true),
  state: z.enum(['PLACING', 'ACTIVE', 'CANCELING']),
  since: z.number().int(),
  uncertain: z.boolean(),
});

const flattenSchema = z.object({
  clientOrderId: z.string().min(1),
  qty: decimalString,
  since: z.number().int(),
  uncertain: z.boolean(),
});

const marginSchema = z.object({
  wallet: decimalString,
  leverage: decimalString.nullable(),
  maintMarginRate: decimalString,
  liquidationPrice: decimalString.nullable(),
  at: z.number().int(),
});

export const klgStateSchema = z.object({
  schema: z.literal(1),
  strategy: z.literal('key_level_grid'),
  instanceId: z.string().min(1),
  version: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  epochStartSeq: z.number().int().nonnegative(),
  nextSeq: z.number().int().nonnegative(),
  levels: z.array(levelSchema),
  holdings: decimalString,
  avgEntry: decimalString,
  realizedPnl: decimalString,
  feesPaid: decimalString,
  releasedQuotaRemainder: decimalString,
  unit: z
    .object({ coins: decimalString, quote: decimalString, price: decimalString, at: z.number().int() })
    .nullable()
    .default(null),
  recentTrades: z.array(z.object({ id: z.string().min(1), time: z.number().int() })),
  fillCursor: z.object({ time: z.number().int(), tradeId: z.string() }).nullable(),
  unjournaled: z.array(unjournaledFillSchema).default([]),
  boughtSinceFlat: decimalString,
  soldSinceFlat: decimalString,
  positionMismatch: z.object({ exchangeQty: decimalString, seenAt: z.number().int() }).nullable(),
  stops: z.array(stopSchema),
  paused: z.boolean(),
  pauseReason: z.string().nullable(),
  activeAlerts: z.array(z.string()),
  // Keys are alert codes (lowercase machine codes): never `__proto__` or any other text.
  suppressedAlerts: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number().int().nonnegative())
    .default({}),
  flatten: flattenSchema.nullable().default(null),
  resetBaseQty: decimalString.default(ZERO),
  margin: marginSchema.nullable().default(null),
  lastPrice: decimalString.nullable().default(null),
  anchorPrice: decimalString.nullable(),
  lastRebuildAt: z.number().int().nullable(),
  lastReconAt: z.number().int().nullable(),
  reconBackoffUntil: z.number().int().nullable().default(null),
  paramsVersion: z.number().int().nullable(),
  updatedAt: z.number().int(),
});

/** The flat document of items written before the strategy seam (`schema: 1`), read and migrated. */
export type KlgStateJson = z.input<typeof klgStateSchema>;

export class StateParseError extends Error {
  override readonly name = 'StateParseError';
}

/** The one leg's role in the stored envelope. */
const LEG = 'grid';

/** Every order the grid holds live, as strategy-neutral slots (level orders, stops, a protective close). */
export function klgOrderSlots(state: KlgState): OrderSlot[] {
  const out: OrderSlot[] = [];
  for (const l of state.levels) {
    const o = l.order;
    if (!o) continue;
    out.push({
      clientOrderId: o.clientOrderId,
      leg: LEG,
      kind: 'limit',
      side: o.side,
      price: o.price,
      qty: o.qty,
      filled: o.filledQty,
      pending: o.pending,
      uncertain: o.uncertain,
    });
  }
  for (const x of state.stops)
    out.push({
      clientOrderId: x.clientOrderId,
      leg: LEG,
      kind: 'stop',
      side: 'sell',
      price: x.triggerPrice,
      qty: x.closePosition ? null : x.coveredQty,
      filled: ZERO,
      pending: x.state === 'PLACING' ? 'place' : x.state === 'CANCELING' ? 'cancel' : null,
      uncertain: x.uncertain,
    });
  if (state.flatten)
    out.push({
      clientOrderId: state.flatten.clientOrderId,
      leg: LEG,
      kind: 'close',
      side: 'sell',
      price: null,
      qty: state.flatten.qty,
      filled: ZERO,
      pending: 'place',
      uncertain: state.flatten.uncertain,
    });
  return out;
}

/**
 * Which layout this release writes. Migration is expand-then-contract so a rollback never meets a document
 * it cannot read: this release reads both layouts and still writes the flat `schema: 1` document the
 * previous release reads (an ECS circuit-breaker rollback of the worker, or a reverted stack, keeps
 * working); the next release, once every reader in production understands the envelope, writes 2.
 */
export const KLG_STATE_WRITE_SCHEMA: 1 | 2 = 1;

/**
 * The stored document: by default the layout of `KLG_STATE_WRITE_SCHEMA`; `2` is the strategy-neutral
 * envelope (`stored-instance.ts`) with the grid's own fields in `body`.
 */
export function klgStateToJson(
  state: KlgState,
  schema: 1 | 2 = KLG_STATE_WRITE_SCHEMA,
): KlgStateJson | StoredInstance {
  if (schema === 1) return JSON.parse(JSON.stringify(state)) as KlgStateJson;
  return klgEnvelope(state);
}

function klgEnvelope(state: KlgState): StoredInstance {
  return storeFlatState(state, {
    legs: { [LEG]: { fillCursor: state.fillCursor, recentTrades: state.recentTrades } },
    orders: klgOrderSlots(state),
    // `schema` is the flat layout's own; the cursor and trades are the leg's.
    omit: ['schema', 'fillCursor', 'recentTrades'],
  });
}

/** The flat form an envelope holds (the in-memory state, before validation). */
function flatten(json: unknown, where: string): unknown {
  let e: ReturnType<typeof readStoredInstance>;
  try {
    e = readStoredInstance(json, where);
  } catch (err) {
    throw new StateParseError((err as Error).message);
  }
  const leg = e.legs[LEG];
  if (!leg) throw new StateParseError(`${where} is corrupt: legs.${LEG}: missing`);
  return {
    ...e.body,
    schema: 1,
    ...envelopeFieldsOf(e),
    fillCursor: leg.fillCursor,
    recentTrades: leg.recentTrades,
  };
}

/**
 * Reads a stored grid: the envelope layout, or an item from before the seam (the flat `schema: 1`
 * document), which loads as it is and is stored as an envelope on its next write.
 */
export function parseKlgState(json: unknown, where = 'grid state'): KlgState {
  const flat = isStoredEnvelope(json) ? flatten(json, where) : json;
  const result = klgStateSchema.safeParse(flat);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new StateParseError(
      `${where} is corrupt: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown'}`,
    );
  }
  return result.data as KlgState;
}

/** A stored state known to be a Key Level Grid's (null stays null; another strategy's is refused). */
export function asKlgState<S extends { readonly strategy: string; readonly instanceId: string }>(
  state: S | null,
): KlgState | null {
  if (state === null) return null;
  if (state.strategy !== 'key_level_grid')
    throw new Error(`instance ${state.instanceId} runs ${state.strategy}, not the Key Level Grid`);
  return state as unknown as KlgState;
}
