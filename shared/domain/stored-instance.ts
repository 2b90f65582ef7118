/**
 * The stored form of any instance's state (the GRID item's document), strategy-neutral: the envelope every
 * strategy shares, then the strategy's own `body`.
 *
 *   schema 2 · strategy · instanceId · version · nextSeq (the client-id sequence)
 *   paused · pauseReason · activeAlerts · suppressedAlerts · reconBackoffUntil · lastPrice · updatedAt
 *   unjournaled                  fills whose journal line may not be written yet
 *   legs.<role>                  fillCursor and recentTrades of that leg: a trade is deduplicated by the leg
 *                                (account + symbol + position side) and its id, as NautilusTrader keys fills
 *   orders[]                     every order the instance holds live, as slots: client id, leg, kind, side,
 *                                price, qty, filled, pending, uncertain (a projection the strategy writes;
 *                                readers that know no strategy — an operator tool, the shadow ledger — use it)
 *   body                         the strategy's own state
 *
 * Items written before the seam (the Key Level Grid's flat `schema: 1` document) are migrated on read by
 * their strategy's codec; the next write stores the envelope.
 */
import { z } from 'zod';
import type { Decimal } from './money.js';
import type { Fill, FillCursor, Side } from './orders.js';
import { decimalString } from './schema-helpers.js';

export const STORED_INSTANCE_SCHEMA = 2;

/**
 * A fill applied to a ledger whose journal line is not known to be written yet. It rides in the same
 * conditional write that applies the fill, so a process killed between that write and the journal write
 * loses nothing: whoever next sees the state (the stream worker after its journal write, or the next recon
 * pass) journals it, idempotently, and then drops it.
 */
export interface UnjournaledFill {
  readonly time: number;
  readonly tradeId: string;
  readonly side: 'buy' | 'sell';
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly fee: Decimal;
  readonly clientOrderId: string;
  /** The price of the level the order served, when it was a grid order. */
  readonly levelPrice: Decimal | null;
  /** The ledger right after the fill. */
  readonly holdingsAfter: Decimal;
  readonly avgEntryAfter: Decimal;
  /** How the fill was read (the strategy's fill role). */
  readonly role: string;
  /** The leg (role) it was on, when the instance has several legs that say so. */
  readonly leg?: string | undefined;
}

/** The envelope's `legs` from a strategy's legs that keep their cursor and recent trade ids. */
export function legCursorsOf(
  legs: Iterable<
    readonly [string, { readonly cursor: FillCursor | null; readonly trades: LegCursor['recentTrades'] }]
  >,
): Record<string, LegCursor> {
  const out: Record<string, LegCursor> = {};
  for (const [role, l] of legs) out[role] = { fillCursor: l.cursor, recentTrades: l.trades };
  return out;
}

/** A leg's cursor and recent trade ids back from a read envelope (none yet: from the start). */
export function legCursorFrom(
  e: { readonly legs: Readonly<Record<string, LegCursor>> },
  role: string,
): { cursor: FillCursor | null; trades: LegCursor['recentTrades'] } {
  return { cursor: e.legs[role]?.fillCursor ?? null, trades: e.legs[role]?.recentTrades ?? [] };
}

/** A fill's journal line: the fill as the exchange reported it, with what the strategy says of it. */
export function unjournaledFillOf(
  fill: Pick<Fill, 'time' | 'tradeId' | 'side' | 'price' | 'qty' | 'fee' | 'clientOrderId'>,
  said: {
    readonly holdingsAfter: Decimal;
    readonly avgEntryAfter: Decimal;
    readonly role: string;
    readonly levelPrice?: Decimal | null;
    readonly leg?: string;
  },
): UnjournaledFill {
  return {
    time: fill.time,
    tradeId: fill.tradeId,
    side: fill.side,
    price: fill.price,
    qty: fill.qty,
    fee: fill.fee,
    clientOrderId: fill.clientOrderId,
    levelPrice: said.levelPrice ?? null,
    holdingsAfter: said.holdingsAfter,
    avgEntryAfter: said.avgEntryAfter,
    role: said.role,
    ...(said.leg ? { leg: said.leg } : {}),
  };
}

/** One live order of an instance, as any reader may see it. */
export interface OrderSlot {
  readonly clientOrderId: string;
  /** The role of the leg it trades on. */
  readonly leg: string;
  readonly kind: 'limit' | 'stop' | 'close';
  readonly side: Side;
  /** Limit price, or the stop's trigger; null for a market close. */
  readonly price: Decimal | null;
  /** Quantity in coins; null for a stop that closes whatever the position is. */
  readonly qty: Decimal | null;
  readonly filled: Decimal;
  /** What the slot is waiting for (`place`, `amend`, `cancel`), null when settled. */
  readonly pending: string | null;
  /** The last call's outcome is unknown: recon settles it by client id. */
  readonly uncertain: boolean;
}

export interface LegCursor {
  readonly fillCursor: FillCursor | null;
  readonly recentTrades: readonly { readonly id: string; readonly time: number }[];
}

const cursorSchema = z.object({ time: z.number().int(), tradeId: z.string() }).nullable();

const legCursorSchema = z.object({
  fillCursor: cursorSchema,
  recentTrades: z.array(z.object({ id: z.string().min(1), time: z.number().int() })),
});

/** A fill whose journal line may not be written yet (`UnjournaledFill`). */
export const unjournaledFillSchema = z.object({
  time: z.number().int(),
  tradeId: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  price: decimalString,
  qty: decimalString,
  fee: decimalString,
  clientOrderId: z.string(),
  levelPrice: decimalString.nullable(),
  holdingsAfter: decimalString,
  avgEntryAfter: decimalString,
  role: z.string().min(1),
  leg: z.string().min(1).optional(),
});

const orderSlotSchema = z.object({
  clientOrderId: z.string().min(1),
  leg: z.string().min(1),
  kind: z.enum(['limit', 'stop', 'close']),
  side: z.enum(['buy', 'sell']),
  price: decimalString.nullable(),
  qty: decimalString.nullable(),
  filled: decimalString,
  pending: z.string().nullable(),
  uncertain: z.boolean(),
});

/** The envelope as stored; `body` is left to the strategy's codec. */
export const storedInstanceSchema = z.object({
  schema: z.literal(STORED_INSTANCE_SCHEMA),
  strategy: z.string().min(1),
  instanceId: z.string().min(1),
  version: z.number().int().nonnegative(),
  nextSeq: z.number().int().nonnegative(),
  paused: z.boolean(),
  pauseReason: z.string().nullable(),
  activeAlerts: z.array(z.string()),
  suppressedAlerts: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number().int().nonnegative()),
  reconBackoffUntil: z.number().int().nullable(),
  lastPrice: decimalString.nullable(),
  updatedAt: z.number().int(),
  unjournaled: z.array(unjournaledFillSchema),
  legs: z.record(z.string().min(1), legCursorSchema),
  orders: z.array(orderSlotSchema),
  body: z.record(z.string(), z.unknown()),
});

export type StoredInstance = z.input<typeof storedInstanceSchema>;

/** The envelope fields of a state, as a strategy's codec hands them over to be stored. */
export interface EnvelopeParts {
  readonly strategy: string;
  readonly instanceId: string;
  readonly version: number;
  readonly nextSeq: number;
  readonly paused: boolean;
  readonly pauseReason: string | null;
  readonly activeAlerts: readonly string[];
  readonly suppressedAlerts: Readonly<Record<string, number>>;
  readonly reconBackoffUntil: number | null;
  readonly lastPrice: Decimal | null;
  readonly updatedAt: number;
  readonly unjournaled: readonly UnjournaledFill[];
  readonly legs: Readonly<Record<string, LegCursor>>;
  readonly orders: readonly OrderSlot[];
  readonly body: Readonly<Record<string, unknown>>;
}

/** The envelope fields a state carries (every strategy's), as `storeInstance` takes them. */
export interface EnvelopeState {
  readonly strategy: string;
  readonly instanceId: string;
  readonly version: number;
  readonly nextSeq: number;
  readonly paused: boolean;
  readonly pauseReason: string | null;
  readonly activeAlerts: readonly string[];
  readonly reconBackoffUntil: number | null;
  readonly lastPrice: Decimal | null;
  readonly updatedAt: number;
  readonly unjournaled: readonly UnjournaledFill[];
}

/** A state's envelope fields for `storeInstance` (a strategy adds its legs, orders and body). */
export function envelopeOf(s: EnvelopeState): Omit<EnvelopeParts, 'legs' | 'orders' | 'body'> {
  return {
    strategy: s.strategy,
    instanceId: s.instanceId,
    version: s.version,
    nextSeq: s.nextSeq,
    paused: s.paused,
    pauseReason: s.pauseReason,
    activeAlerts: s.activeAlerts,
    suppressedAlerts: {},
    reconBackoffUntil: s.reconBackoffUntil,
    lastPrice: s.lastPrice,
    updatedAt: s.updatedAt,
    unjournaled: s.unjournaled,
  };
}

/** The envelope fields of a stored document back on a state (`readStoredInstance`'s result). */
export function envelopeState(e: Omit<EnvelopeState, 'strategy'>): Omit<EnvelopeState, 'strategy'> {
  const { strategy: _, suppressedAlerts: __, ...fields } = envelopeOf({ ...e, strategy: '' });
  return fields;
}

/** The envelope's own fields (besides `legs`, `orders` and `body`), in stored order. */
const ENVELOPE_FIELDS = [
  'strategy',
  'instanceId',
  'version',
  'nextSeq',
  'paused',
  'pauseReason',
  'activeAlerts',
  'suppressedAlerts',
  'reconBackoffUntil',
  'lastPrice',
  'updatedAt',
  'unjournaled',
] as const;

type EnvelopeFields = Omit<EnvelopeParts, 'legs' | 'orders' | 'body'>;

/**
 * A flat in-memory state stored as an envelope: its envelope fields at the top, every other field but
 * those in `omit` (kept in `legs`, or not stored) in `body`, in their order.
 */
export function storeFlatState(
  flat: EnvelopeFields & object,
  extra: {
    readonly legs: EnvelopeParts['legs'];
    readonly orders: EnvelopeParts['orders'];
    readonly omit: readonly string[];
  },
): StoredInstance {
  const envelope: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (extra.omit.includes(k)) continue;
    if ((ENVELOPE_FIELDS as readonly string[]).includes(k)) envelope[k] = v;
    else body[k] = v;
  }
  return storeInstance({
    ...(envelope as unknown as EnvelopeFields),
    legs: extra.legs,
    orders: extra.orders,
    body,
  });
}

/** The envelope fields of a read document, to spread back into a flat state. */
export function envelopeFieldsOf(e: ReturnType<typeof readStoredInstance>): Record<string, unknown> {
  return Object.fromEntries(ENVELOPE_FIELDS.map((k) => [k, e[k]]));
}

/** Plain JSON (Decimals as strings) of the envelope and its body. */
export function storeInstance(parts: EnvelopeParts): StoredInstance {
  const { strategy, instanceId, version, nextSeq, ...rest } = parts;
  return JSON.parse(
    JSON.stringify({ schema: STORED_INSTANCE_SCHEMA, strategy, instanceId, version, nextSeq, ...rest }),
  ) as StoredInstance;
}

/** Whether a stored document is in the envelope layout (else: an item from before the seam). */
export function isStoredEnvelope(json: unknown): boolean {
  return (json as { schema?: unknown } | null)?.schema === STORED_INSTANCE_SCHEMA;
}

export class StoredInstanceError extends Error {
  override readonly name = 'StoredInstanceError';
}

/**
 * Reads the envelope of a stored document, whatever its strategy (the body stays raw). Names the first
 * corrupt field.
 */
export function readStoredInstance(json: unknown, where = 'instance state') {
  const r = storedInstanceSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new StoredInstanceError(
      `${where} is corrupt: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown'}`,
    );
  }
  return r.data;
}

/**
 * A strategy's stored state read whole: the envelope, checked to be `strategy`'s, and its body by
 * `schema`; anything else is refused with the field named (`<where> is corrupt: body.<path>: <why>`).
 */
export function readStrategyState<B>(
  json: unknown,
  strategy: string,
  schema: z.ZodType<B>,
  where: string,
): { envelope: ReturnType<typeof readStoredInstance>; body: B } {
  const envelope = readStoredInstance(json, where);
  if (envelope.strategy !== strategy) throw new Error(`${where}: not a ${strategy} state`);
  const r = schema.safeParse(envelope.body);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(
      `${where} is corrupt: body.${first ? `${first.path.join('.')}: ${first.message}` : 'unknown'}`,
    );
  }
  return { envelope, body: r.data };
}
