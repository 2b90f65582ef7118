/**
 * Saving and restoring a paper engine's accounts, so a paper venue outlives its process (`gridbot run
 * --paper` restarts where it stopped: the same wallets, positions, resting orders and stops, order and
 * trade history, and id counters). Markets are not saved: prices, books of other traders and candles come
 * from the live market again; our resting orders go back on the book in their old priority (`seq`).
 *
 * The snapshot is plain JSON: every Decimal as `{ "$d": "<exact decimal>" }`, every Map as
 * `{ "$m": [[key, value], …] }`, so nothing is rounded on the way through. Identity is kept: an order that
 * is open is the same record in `orders`, `openOrders`, `ordersByClientId` and its market's book, as the
 * engine's own invariants require (state.ts).
 *
 * Entry points: `snapshotCore`, `restoreCore` (through `PaperExchange.snapshot` / `restore`).
 */
import { Decimal, dec } from '../../domain/money.js';
import { bookInsert } from './fills.js';
import { marketOf } from './ledger.js';
import type { AccountState, AlgoRecord, EngineCore, OrderRecord } from './state.js';

export const SNAPSHOT_VERSION = 1;

export interface EngineSnapshot {
  readonly gridbotPaper: typeof SNAPSHOT_VERSION;
  readonly ids: EngineCore['ids'];
  readonly accounts: readonly unknown[];
}

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

type Encoded = null | boolean | number | string | Encoded[] | { [k: string]: Encoded };

/** Decimals and Maps into JSON-safe values; everything else as is. */
export function encode(v: unknown): Encoded {
  if (v === null || v === undefined) return null;
  // Every digit, never an exponent; a negative zero keeps its sign (views print it as "-0").
  if (Decimal.isDecimal(v)) {
    const d = v as Decimal;
    return { $d: d.isZero() && d.isNegative() ? '-0' : d.toFixed() };
  }
  if (v instanceof Map) return { $m: [...v.entries()].map(([k, x]) => [encode(k), encode(x)]) };
  if (Array.isArray(v)) return v.map(encode);
  if (typeof v === 'object') {
    const out: Record<string, Encoded> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) out[k] = encode(x);
    return out;
  }
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  throw new SnapshotError(`cannot save a ${typeof v}`);
}

export function decode(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, unknown>;
  if (typeof o.$d === 'string' && Object.keys(o).length === 1) return dec(o.$d);
  if (Array.isArray(o.$m) && Object.keys(o).length === 1)
    return new Map((o.$m as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = decode(x);
  return out;
}

/** What is saved of one account: the records, with the open sets and client-id indexes as ids. */
function accountRecord(a: AccountState) {
  return {
    id: a.id,
    apiKey: a.apiKey,
    apiSecret: a.apiSecret,
    dualSidePosition: a.dualSidePosition,
    fees: a.fees,
    wallets: a.wallets,
    positions: a.positions,
    leverage: a.leverage,
    orders: [...a.orders.values()],
    openOrders: [...a.openOrders.keys()],
    ordersByClientId: [...a.ordersByClientId.entries()].map(([k, o]) => [k, o.orderId]),
    orderTotals: a.orderTotals,
    algos: [...a.algos.values()],
    openAlgos: [...a.openAlgos.keys()],
    algosByClientId: [...a.algosByClientId.entries()].map(([k, x]) => [k, x.algoId]),
    trades: a.trades,
    income: a.income,
    walletUpdateTime: a.walletUpdateTime,
  };
}

export function snapshotCore(core: EngineCore): EngineSnapshot {
  return {
    gridbotPaper: SNAPSHOT_VERSION,
    ids: { ...core.ids },
    accounts: [...core.accounts.values()].map((a) => encode(accountRecord(a))),
  };
}

type Saved = ReturnType<typeof accountRecord>;

function rebuildAccount(saved: Saved): AccountState {
  const orders = new Map<number, OrderRecord>(saved.orders.map((o) => [o.orderId, o]));
  const algos = new Map<number, AlgoRecord>(saved.algos.map((a) => [a.algoId, a]));
  const orderOf = (id: number): OrderRecord => {
    const o = orders.get(id);
    if (!o) throw new SnapshotError(`account ${saved.id}: open order ${id} is not among its orders`);
    return o;
  };
  const algoOf = (id: number): AlgoRecord => {
    const a = algos.get(id);
    if (!a)
      throw new SnapshotError(`account ${saved.id}: open algo order ${id} is not among its algo orders`);
    return a;
  };
  return {
    id: saved.id,
    apiKey: saved.apiKey,
    apiSecret: saved.apiSecret,
    dualSidePosition: saved.dualSidePosition,
    fees: saved.fees,
    wallets: saved.wallets,
    positions: saved.positions,
    leverage: saved.leverage,
    orders,
    ordersByClientId: new Map(saved.ordersByClientId.map(([k, id]) => [k as string, orderOf(id as number)])),
    openOrders: new Map(saved.openOrders.map((id) => [id, orderOf(id)])),
    orderTotals: saved.orderTotals,
    algos,
    algosByClientId: new Map(saved.algosByClientId.map(([k, id]) => [k as string, algoOf(id as number)])),
    openAlgos: new Map(saved.openAlgos.map((id) => [id, algoOf(id)])),
    trades: saved.trades,
    income: saved.income,
    walletUpdateTime: saved.walletUpdateTime,
  };
}

/**
 * Puts saved accounts into an engine that has none of them yet (markets loaded, no account of the same
 * id): their open orders go back on the books, their open stops under their markets. Refuses, changing
 * nothing, a snapshot of another version, or one naming a symbol this engine does not host.
 */
export function restoreCore(core: EngineCore, snapshot: unknown, idGap = 0): AccountState[] {
  const s = snapshot as Partial<EngineSnapshot> | null;
  if (!s || s.gridbotPaper !== SNAPSHOT_VERSION || !Array.isArray(s.accounts) || !s.ids)
    throw new SnapshotError(`not a paper exchange snapshot of version ${SNAPSHOT_VERSION}`);
  const accounts = s.accounts.map((a) => rebuildAccount(decode(a) as Saved));
  for (const a of accounts) {
    if (core.accounts.has(a.id)) throw new SnapshotError(`account ${a.id} exists already`);
    for (const o of a.openOrders.values())
      if (!core.markets.has(o.symbol))
        throw new SnapshotError(`account ${a.id} has an open order on ${o.symbol}, which is not hosted here`);
    for (const x of a.openAlgos.values())
      if (!core.markets.has(x.symbol))
        throw new SnapshotError(`account ${a.id} has an open stop on ${x.symbol}, which is not hosted here`);
  }
  for (const a of accounts) {
    core.accounts.set(a.id, a);
    for (const o of [...a.openOrders.values()].sort((x, y) => x.seq - y.seq))
      if (o.type === 'LIMIT') bookInsert(marketOf(core, o.symbol), o);
    for (const x of [...a.openAlgos.values()].sort((p, q) => p.algoId - q.algoId))
      marketOf(core, x.symbol).algos.push(x);
    // Trade ids are per market: new trades number on past the saved ones.
    for (const [symbol, trades] of a.trades) {
      const market = core.markets.get(symbol);
      const lastId = trades[trades.length - 1]?.id;
      if (market && lastId !== undefined)
        market.nextTradeId = Math.max(market.nextTradeId, lastId + 1 + idGap);
    }
  }
  // Ids only move forward, past anything either side has handed out (and `idGap` beyond: ids handed out
  // after the snapshot was taken, by a run that then crashed, are never handed out again).
  for (const key of Object.keys(core.ids) as (keyof EngineCore['ids'])[])
    core.ids[key] = Math.max(core.ids[key], (s.ids[key] ?? 0) + idGap);
  return accounts;
}
