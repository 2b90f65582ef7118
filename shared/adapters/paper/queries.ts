/**
 * Read-side of the engine: what the REST endpoints return. Every function returns fresh snapshots.
 *
 * Entry points: `openOrders`, `allOrders`, `userTrades` (Binance `fromId` / time window semantics),
 * `positions` (positionRisk v3), `klines` (1m klines aggregated to any Binance interval), `fundingHistory`,
 * `incomeHistory`.
 */
import type { Decimal } from '../../domain/money.js';
import { positionOf, positionSidesOf } from './ledger.js';
import type { AccountState, EngineCore } from './state.js';
import type {
  AlgoOrderView,
  FundingRecord,
  IncomeRecord,
  KlineView,
  OrderView,
  PositionView,
  TradeView,
} from './types.js';
import { algoView, orderView, positionView } from './views.js';

export interface TimeWindow {
  readonly startTime?: number | undefined;
  readonly endTime?: number | undefined;
  readonly limit?: number | undefined;
}

function inWindow(t: number, w: TimeWindow): boolean {
  return (w.startTime === undefined || t >= w.startTime) && (w.endTime === undefined || t <= w.endTime);
}

export function openAlgoOrders(core: EngineCore, account: AccountState, symbol?: string): AlgoOrderView[] {
  return [...account.openAlgos.values()]
    .filter((a) => symbol === undefined || a.symbol === symbol)
    .sort((a, b) => a.algoId - b.algoId)
    .map((a) => algoView(core, a));
}

/** GET /fapi/v1/allAlgoOrders: by creation time, newest `limit` (500). */
export function allAlgoOrders(
  core: EngineCore,
  account: AccountState,
  symbol: string,
  q: TimeWindow,
): AlgoOrderView[] {
  const limit = Math.min(q.limit ?? 500, 1000);
  const list = [...account.algos.values()].filter((a) => a.symbol === symbol && inWindow(a.createTime, q));
  return list.slice(-limit).map((a) => algoView(core, a));
}

export function openOrders(account: AccountState, symbol?: string): OrderView[] {
  const out: OrderView[] = [];
  for (const o of account.openOrders.values())
    if (symbol === undefined || o.symbol === symbol) out.push(orderView(o));
  return out.sort((a, b) => a.orderId - b.orderId);
}

/** GET /fapi/v1/allOrders: orders with orderId ≥ `orderId` (if given), else in the time window; max `limit` (500). */
export function allOrders(
  account: AccountState,
  symbol: string,
  q: TimeWindow & { orderId?: number | undefined },
): OrderView[] {
  const limit = Math.min(q.limit ?? 500, 1000);
  const out: OrderView[] = [];
  for (const o of account.orders.values()) {
    if (o.symbol !== symbol) continue;
    if (q.orderId !== undefined ? o.orderId < q.orderId : !inWindow(o.time, q)) continue;
    out.push(orderView(o));
  }
  out.sort((a, b) => a.orderId - b.orderId);
  return q.orderId !== undefined ? out.slice(0, limit) : out.slice(-limit);
}

/** GET /fapi/v1/userTrades: trades with id ≥ `fromId` (oldest first), else in the time window (newest `limit`). */
export function userTrades(
  account: AccountState,
  symbol: string,
  q: TimeWindow & { fromId?: number | undefined },
): TradeView[] {
  const limit = Math.min(q.limit ?? 500, 1000);
  const list = account.trades.get(symbol) ?? [];
  if (q.fromId !== undefined) {
    const from = q.fromId;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.id < from) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo, lo + limit);
  }
  const filtered = list.filter((t) => inWindow(t.time, q));
  return filtered.slice(-limit);
}

/** positionRisk: every side the account's mode has, for each symbol asked (or every symbol it touched). */
export function positions(core: EngineCore, account: AccountState, symbol?: string): PositionView[] {
  const sides = positionSidesOf(account);
  const symbols = new Set<string>();
  if (symbol !== undefined) symbols.add(symbol);
  else {
    for (const p of account.positions.values()) symbols.add(p.symbol);
    for (const o of account.openOrders.values()) symbols.add(o.symbol);
  }
  const out: PositionView[] = [];
  for (const s of [...symbols].sort()) {
    for (const side of sides) out.push(positionView(core, account, positionOf(account, s, side)));
  }
  return out;
}

const INTERVALS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};

export function intervalMs(interval: string): number {
  const ms = INTERVALS[interval];
  if (ms === undefined)
    throw new Error(
      `kline interval ${JSON.stringify(interval)} is not supported; use one of ${Object.keys(INTERVALS).join(', ')}`,
    );
  return ms;
}

/** GET /fapi/v1/klines from the 1m klines the engine was fed (default limit 500, max 1500). */
export function klines(source: readonly KlineView[], interval: string, q: TimeWindow): KlineView[] {
  const ms = intervalMs(interval);
  const limit = Math.min(q.limit ?? 500, 1500);
  const out: KlineView[] = [];
  let cur:
    | {
        openTime: number;
        open: Decimal;
        high: Decimal;
        low: Decimal;
        close: Decimal;
        volume: Decimal;
        quoteVolume: Decimal;
        trades: number;
      }
    | undefined;
  for (const k of source) {
    const bucket = Math.floor(k.openTime / ms) * ms;
    if (q.startTime !== undefined && bucket + ms - 1 < q.startTime) continue;
    if (q.endTime !== undefined && bucket > q.endTime) break;
    if (cur && cur.openTime === bucket) {
      cur.high = k.high.greaterThan(cur.high) ? k.high : cur.high;
      cur.low = k.low.lessThan(cur.low) ? k.low : cur.low;
      cur.close = k.close;
      cur.volume = cur.volume.plus(k.volume);
      cur.quoteVolume = cur.quoteVolume.plus(k.quoteVolume);
      cur.trades += k.trades;
    } else {
      if (cur) out.push({ ...cur, closeTime: cur.openTime + ms - 1 });
      cur = {
        openTime: bucket,
        open: k.open,
        high: k.high,
        low: k.low,
        close: k.close,
        volume: k.volume,
        quoteVolume: k.quoteVolume,
        trades: k.trades,
      };
    }
  }
  if (cur) out.push({ ...cur, closeTime: cur.openTime + ms - 1 });
  return q.startTime !== undefined ? out.slice(0, limit) : out.slice(-limit);
}

export function fundingHistory(
  records: readonly FundingRecord[],
  settledOnly: boolean,
  q: TimeWindow,
): FundingRecord[] {
  const limit = Math.min(q.limit ?? 100, 1000);
  const out = records.filter(
    (r) => (!settledOnly || r.markPrice !== undefined) && inWindow(r.fundingTime, q),
  );
  return q.startTime !== undefined ? out.slice(0, limit) : out.slice(-limit);
}

export function incomeHistory(
  account: AccountState,
  q: TimeWindow & { symbol?: string | undefined; incomeType?: IncomeRecord['incomeType'] | undefined },
): IncomeRecord[] {
  const limit = Math.min(q.limit ?? 100, 1000);
  const out = account.income.filter(
    (r) =>
      (q.symbol === undefined || r.symbol === q.symbol) &&
      (q.incomeType === undefined || r.incomeType === q.incomeType) &&
      inWindow(r.time, q),
  );
  return q.startTime !== undefined ? out.slice(0, limit) : out.slice(-limit);
}
