/**
 * A toy second strategy for the tests of the strategy seam: one level, two legs on two accounts.
 *
 *   leg `buy`  (account `buy_account`,  LONG):  a resting buy of `qty` at `level`;
 *   leg `sell` (account `sell_account`, SHORT): when the buy fills, an equal short is opened at once
 *   (a marketable limit), so the pair is flat in net.
 *
 * It lives only here and in the registries (`registerToyPair`): that it runs through the decision
 * pipeline, the stream worker, recon and the simulator without a line of shared code naming it is what
 * the seam promises. Deliberately small, but honest: dedupe by trade id per leg, a cursor per leg, order
 * slots settled by outcomes and by recon, fills journaled through the envelope.
 */
import { z } from 'zod';
import {
  closeOrderId,
  decodeClientOrderId,
  INSTANCE_ID_PATTERN,
  levelOrderId,
} from '../../../../shared/domain/client-order-id.js';
import type { Command, OrderCommand } from '../../../../shared/domain/commands.js';
import { type Decimal, dec, ZERO } from '../../../../shared/domain/money.js';
import type { ExchangeOrder, Fill, FillCursor } from '../../../../shared/domain/orders.js';
import { configDecimal } from '../../../../shared/domain/schema-helpers.js';
import {
  envelopeOf,
  envelopeState,
  type OrderSlot,
  readStoredInstance,
  storeInstance,
  unjournaledFillOf,
} from '../../../../shared/domain/stored-instance.js';
import type {
  InstanceEnvelope,
  Leg,
  LegMarket,
  LegSnapshot,
  StrategyModule,
} from '../../../../shared/domain/strategy.js';
import { freshEnvelope } from '../../../../shared/domain/strategy.js';
import { roundPrice } from '../../../../shared/domain/symbol-rules.js';

export const TOY = 'toy_pair';

export const toyConfigSchema = z
  .object({
    id: z.string().regex(INSTANCE_ID_PATTERN),
    strategy: z.literal(TOY),
    enabled: z.boolean().default(true),
    recon_interval_sec: z.number().int().min(30).default(60),
    buy_account: z.string().min(1),
    sell_account: z.string().min(1),
    symbol: z.string().min(1),
    level: configDecimal,
    qty: configDecimal,
  })
  .strict();

export type ToyConfig = z.infer<typeof toyConfigSchema>;
type Role = 'buy' | 'sell';

interface Slot {
  readonly clientOrderId: string;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly filled: Decimal;
  readonly exchangeOrderId: string | null;
  /** Sent, outcome not yet folded. */
  readonly pending: boolean;
  readonly uncertain: boolean;
}

interface ToyLeg {
  readonly cursor: FillCursor | null;
  /** Applied trades (the idempotency set; bounded by the toy's tiny volume). */
  readonly trades: readonly { readonly id: string; readonly time: number }[];
  readonly held: Decimal;
  readonly order: Slot | null;
}

export interface ToyState extends InstanceEnvelope {
  readonly strategy: typeof TOY;
  readonly nextSeq: number;
  readonly buy: ToyLeg;
  readonly sell: ToyLeg;
}

const ROLES: readonly Role[] = ['buy', 'sell'];
const maxZero = (d: Decimal): Decimal => (d.isNegative() ? ZERO : d);
const LEVEL_OF: Record<Role, number> = { buy: 0, sell: 1 };

function legs(config: ToyConfig): readonly Leg[] {
  return [
    { role: 'buy', account: config.buy_account, symbol: config.symbol, positionSide: 'LONG' },
    { role: 'sell', account: config.sell_account, symbol: config.symbol, positionSide: 'SHORT' },
  ];
}

const emptyLeg: ToyLeg = { cursor: null, trades: [], held: ZERO, order: null };

export function initialToyState(instanceId: string, now: number): ToyState {
  return {
    ...freshEnvelope(TOY, instanceId, now),
    nextSeq: 1,
    buy: emptyLeg,
    sell: emptyLeg,
  };
}

function roleOf(leg: Leg): Role {
  if (leg.role !== 'buy' && leg.role !== 'sell') throw new Error(`toy_pair has no leg ${leg.role}`);
  return leg.role;
}

function isApplied(l: ToyLeg, fill: Fill): boolean {
  if (l.trades.some((t) => t.id === fill.tradeId)) return true;
  return l.cursor !== null && fill.time < l.cursor.time;
}

/**
 * Applies a fill of ours on `role` (its order slot's, or one of its flatten closes); null when it is a
 * duplicate or not ours.
 */
function applyFill(s: ToyState, role: Role, fill: Fill): ToyState | null {
  const l = s[role];
  if (isApplied(l, fill)) return null;
  const decoded = decodeClientOrderId(fill.clientOrderId);
  const closing = decoded?.kind === 'close' && decoded.instanceId === s.instanceId;
  const own = l.order?.clientOrderId === fill.clientOrderId;
  if (!own && !closing) return null;
  const held = closing ? maxZero(l.held.minus(fill.qty)) : l.held.plus(fill.qty);
  let order = l.order;
  if (own) {
    const filled = l.order!.filled.plus(fill.qty);
    order = filled.greaterThanOrEqualTo(l.order!.qty) ? null : { ...l.order!, filled };
  }
  const next: ToyState = {
    ...s,
    [role]: { ...l, held, order, trades: [...l.trades, { id: fill.tradeId, time: fill.time }] },
  };
  const net = next.buy.held.minus(next.sell.held);
  const line = unjournaledFillOf(fill, {
    holdingsAfter: net,
    avgEntryAfter: ZERO,
    role: `toy_${role}`,
  });
  return { ...next, unjournaled: [...next.unjournaled, line] };
}

function place(
  s: ToyState,
  role: Role,
  config: ToyConfig,
  price: Decimal,
  qty: Decimal,
  reason: string,
): { state: ToyState; command: OrderCommand } {
  const seq = s.nextSeq;
  const side = role === 'buy' ? 'buy' : 'sell';
  const clientOrderId = levelOrderId(s.instanceId, LEVEL_OF[role], side, seq);
  const slot: Slot = {
    clientOrderId,
    price,
    qty,
    filled: ZERO,
    exchangeOrderId: null,
    pending: true,
    uncertain: false,
  };
  return {
    state: { ...s, nextSeq: seq + 1, [role]: { ...s[role], order: slot } },
    command: {
      kind: 'PlaceOrder',
      instanceId: s.instanceId,
      level: LEVEL_OF[role],
      request: {
        type: 'limit',
        account: role === 'buy' ? config.buy_account : config.sell_account,
        symbol: config.symbol,
        clientOrderId,
        side,
        positionSide: role === 'buy' ? 'LONG' : 'SHORT',
        price,
        qty,
        timeInForce: 'GTC',
      },
      reason,
    },
  };
}

/** What the pair wants next: the resting buy, and a hedge for whatever the buy leg holds unhedged. */
function plan(s: ToyState, config: ToyConfig, market: LegMarket): { state: ToyState; commands: Command[] } {
  let state = s;
  const commands: Command[] = [];
  if (!state.paused && state.buy.held.isZero() && state.buy.order === null) {
    const d = place(state, 'buy', config, config.level, config.qty, 'toy: rest a buy at the level');
    state = d.state;
    commands.push(d.command);
  }
  const unhedged = state.buy.held.minus(state.sell.held);
  if (unhedged.greaterThan(0) && state.sell.order === null) {
    // A marketable limit one percent through the price: it fills at once at the book.
    const price = roundPrice(market.price.times('0.99'), 'sell', market.rules);
    const d = place(state, 'sell', config, price, unhedged, 'toy: hedge the buy leg on the other account');
    state = d.state;
    commands.push(d.command);
  }
  return { state, commands };
}

function slotOf(s: ToyState, clientOrderId: string): Role | null {
  for (const r of ROLES) if (s[r].order?.clientOrderId === clientOrderId) return r;
  return null;
}

function setOrder(s: ToyState, role: Role, order: Slot | null, now: number): ToyState {
  return { ...s, [role]: { ...s[role], order }, updatedAt: now };
}

/** Recon of one leg: trade history applied, the order slot settled against what the exchange lists. */
function syncLeg(s: ToyState, role: Role, snap: LegSnapshot): { state: ToyState; applied: number } {
  let state = s;
  let applied = 0;
  for (const f of snap.fills) {
    const next = applyFill(state, role, f);
    if (next) {
      state = next;
      applied += 1;
    }
  }
  const last = snap.fills[snap.fills.length - 1];
  if (last)
    state = { ...state, [role]: { ...state[role], cursor: { time: last.time, tradeId: last.tradeId } } };
  const order = state[role].order;
  if (order && !order.pending) {
    const listed = snap.openOrders.some((o) => o.clientOrderId === order.clientOrderId);
    const looked: ExchangeOrder | null | undefined = snap.orderLookups[order.clientOrderId];
    const live = looked?.status === 'NEW' || looked?.status === 'PARTIALLY_FILLED';
    if (!listed && looked !== undefined && !live) state = setOrder(state, role, null, snap.at);
  }
  return { state, applied };
}

/** The live orders as strategy-neutral slots. */
function toySlots(s: ToyState): OrderSlot[] {
  return ROLES.flatMap((r) => {
    const o = s[r].order;
    return o
      ? [
          {
            clientOrderId: o.clientOrderId,
            leg: r,
            kind: 'limit' as const,
            side: r,
            price: o.price,
            qty: o.qty,
            filled: o.filled,
            pending: o.pending ? 'place' : null,
            uncertain: o.uncertain,
          },
        ]
      : [];
  });
}

/** Stored through the strategy-neutral envelope: a cursor and trade ids per leg, order slots, the rest in body. */
function toJson(s: ToyState): unknown {
  return storeInstance({
    ...envelopeOf(s),
    legs: Object.fromEntries(ROLES.map((r) => [r, { fillCursor: s[r].cursor, recentTrades: s[r].trades }])),
    orders: toySlots(s),
    body: {
      held: { buy: s.buy.held, sell: s.sell.held },
      exchangeOrderIds: {
        buy: s.buy.order?.exchangeOrderId ?? null,
        sell: s.sell.order?.exchangeOrderId ?? null,
      },
    },
  });
}

function parseState(json: unknown, where = 'toy state'): ToyState {
  const e = readStoredInstance(json, where);
  if (e.strategy !== TOY) throw new Error(`${where}: not a ${TOY} state`);
  const body = e.body as {
    held: Record<Role, string>;
    exchangeOrderIds: Record<Role, string | null>;
  };
  const leg = (r: Role): ToyLeg => {
    const slot = e.orders.find((o) => o.leg === r);
    return {
      cursor: e.legs[r]?.fillCursor ?? null,
      trades: e.legs[r]?.recentTrades ?? [],
      held: dec(body.held[r]),
      order: slot
        ? {
            clientOrderId: slot.clientOrderId,
            price: slot.price!,
            qty: slot.qty!,
            filled: slot.filled,
            exchangeOrderId: body.exchangeOrderIds[r],
            pending: slot.pending !== null,
            uncertain: slot.uncertain,
          }
        : null,
    };
  };
  return {
    strategy: TOY,
    ...envelopeState(e),
    buy: leg('buy'),
    sell: leg('sell'),
  };
}

export const toyPairStrategy: StrategyModule<ToyConfig, ToyState> = {
  name: TOY,
  configSchema: toyConfigSchema,
  legs,
  marketChannels: ['bookTop'],
  jobs: ['recon'],
  jobIntervalSec: (config) => config.recon_interval_sec,
  parseState,
  stateToJson: toJson,
  invariants(state) {
    const out: string[] = [];
    for (const r of ROLES) if (state[r].held.isNegative()) out.push(`${r} leg holds ${state[r].held} < 0`);
    // While trading, the hedge never exceeds what it hedges (a flatten closes the legs one by one).
    if (!state.paused && state.sell.held.greaterThan(state.buy.held))
      out.push(`the sell leg holds ${state.sell.held}, more than the buy leg's ${state.buy.held}`);
    return out;
  },

  onFill(state, fill, leg, config, market, now, origin) {
    // Trades on its accounts that are not its own are none of the toy's business.
    if (origin === 'external') return { state, commands: [], applied: false };
    const applied = applyFill(state, roleOf(leg), fill);
    if (!applied) return { state, commands: [], applied: false };
    const d = plan({ ...applied, lastPrice: market.price, updatedAt: now }, config, market);
    return { ...d, applied: true };
  },
  // A hedge that could not be placed (refused, or its fill missed) is placed again on the next book top,
  // without waiting for recon.
  onMarket(state, _leg, event, config, now) {
    const d = plan({ ...state, updatedAt: now }, config, event);
    return d.commands.length > 0 ? { ...d, state: { ...d.state, lastPrice: event.price } } : null;
  },
  applyOutcome(state, command, outcome, _config, now) {
    const id = command.kind === 'PlaceOrder' ? command.request.clientOrderId : null;
    const role = id ? slotOf(state, id) : null;
    if (!role) return { state, commands: [] };
    const slot = state[role].order!;
    switch (outcome.kind) {
      case 'placed':
        return {
          state: setOrder(
            state,
            role,
            { ...slot, pending: false, exchangeOrderId: outcome.exchangeOrderId ?? null },
            now,
          ),
          commands: [],
        };
      case 'timedOut':
        return {
          state: setOrder(state, role, { ...slot, pending: false, uncertain: true }, now),
          commands: [],
        };
      default:
        // Refused or cancelled: the slot is free again (recon places anew).
        return { state: setOrder(state, role, null, now), commands: [] };
    }
  },
  closeWhatIsHeld: (state) => ({ state, commands: [] }),

  fillCursor: (state, leg) => state[roleOf(leg)].cursor,
  ordersToLookUp(state, leg, openOrders) {
    const order = state[roleOf(leg)].order;
    if (!order || order.pending) return [];
    return openOrders.some((o) => o.clientOrderId === order.clientOrderId) ? [] : [order.clientOrderId];
  },
  planRecon(state, snapshots, config, now) {
    let s: ToyState = state;
    let fillsApplied = 0;
    for (const snap of snapshots) {
      const d = syncLeg(s, roleOf(snap.leg), snap);
      s = d.state;
      fillsApplied += d.applied;
    }
    const market = snapshots[0]!;
    const d = plan({ ...s, lastPrice: market.price, updatedAt: now }, config, market);
    return { ...d, fillsApplied, stopsFound: [] };
  },
  planProtection: (state) => ({ state, commands: [], stopsFound: [] }),

  pause: (state, reason, now) => ({ ...state, paused: true, pauseReason: reason, updatedAt: now }),
  resume: (state, now) => ({ ...state, paused: false, pauseReason: null, updatedAt: now }),
  planFlattenOrders(state, _snapshots, config, now) {
    const commands: Command[] = [];
    const s: ToyState = { ...state, paused: true, pauseReason: 'flatten', updatedAt: now };
    for (const r of ROLES) {
      const order = s[r].order;
      if (!order) continue;
      commands.push({
        kind: 'CancelOrder',
        instanceId: s.instanceId,
        account: r === 'buy' ? config.buy_account : config.sell_account,
        symbol: config.symbol,
        clientOrderId: order.clientOrderId,
        level: LEVEL_OF[r],
        reason: 'flatten',
      });
    }
    return { state: s, commands };
  },
  planFlattenPositions(state, snapshots, config, now) {
    let s: ToyState = { ...state, updatedAt: now };
    const commands: Command[] = [];
    for (const snap of snapshots) {
      const held = snap.position?.qty.abs() ?? ZERO;
      if (!held.greaterThan(0)) continue;
      const r = roleOf(snap.leg);
      const seq = s.nextSeq;
      s = { ...s, nextSeq: seq + 1 };
      commands.push({
        kind: 'ClosePosition',
        instanceId: s.instanceId,
        request: {
          type: 'market',
          account: snap.leg.account,
          symbol: config.symbol,
          clientOrderId: closeOrderId(s.instanceId, seq),
          side: r === 'buy' ? 'sell' : 'buy',
          positionSide: snap.leg.positionSide,
          qty: held,
          reduceOnly: true,
        },
        reason: 'flatten',
      });
    }
    return { state: s, commands };
  },

  ledger: (state) => ({
    holdings: state.buy.held.minus(state.sell.held),
    avgEntry: ZERO,
    realizedPnl: ZERO,
    legs: {
      buy: { qty: state.buy.held, avgEntry: ZERO },
      sell: { qty: state.sell.held.negated(), avgEntry: ZERO },
    },
  }),
  levelPrice: () => undefined,
  openOrderCount: (state) => ROLES.filter((r) => state[r].order !== null).length,
  orderSlots: toySlots,
  status: (config, state) => ({
    instanceId: config.id,
    initialized: true,
    strategy: TOY,
    buyHeld: state.buy.held.toFixed(),
    sellHeld: state.sell.held.toFixed(),
    orders: ROLES.map((r) => state[r].order?.clientOrderId ?? null),
  }),
  // No risk job; a stale stream is worth a human after three minutes (fills then wait for recon).
  monitoring: () => ({ riskBreach: null, heartbeatMaxAgeSec: 180 }),
  // The toy keeps no stop (it is hedged, not protected): the coverage checks do not apply.
  protectsHoldings: () => false,
  simulation: {
    historyNeededMs: () => 0,
    // A little above the level, so the first dip fills the buy.
    openingPrice: (config, symbol) => (symbol === config.symbol ? config.level.times('1.02') : null),
    chartLevels: (state) => (state.buy.order ? [state.buy.order.price] : []),
    eventChecks: () => ({}),
  },
};
