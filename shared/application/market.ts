/**
 * Facts from the exchange for one instance: symbol rules (cached per process: they change rarely and a
 * recon pass must not spend API weight on them) and the snapshot of each of its legs, gathered fresh
 * every pass. The same for every strategy: the module says which legs, which orders to look up, and where
 * each leg's trade history starts.
 */
import { aggregateCandles, timeframeMs } from '../domain/analysis/index.js';
import type { Timeframe } from '../domain/config/level-source.js';
import { ZERO } from '../domain/money.js';
import type { Candle, ExchangeOrder, Fill, FillCursor, Position } from '../domain/orders.js';
import { strategyOf } from '../domain/strategies/index.js';
import type {
  InstanceConfigBase,
  InstanceEnvelope,
  Leg,
  LegProtectionSnapshot,
  LegSnapshot,
} from '../domain/strategy.js';
import type { SymbolRules } from '../domain/symbol-rules.js';
import { ExchangeError, type ExchangePort, type ExchangeResolver } from '../ports/exchange.js';

const RULES_TTL_MS = 60 * 60 * 1000;
const TRADE_PAGE = 500;
const MAX_TRADE_PAGES = 20;

/** Symbol rules per (account, symbol), refreshed hourly. */
export class RulesCache {
  readonly #entries = new Map<string, { rules: SymbolRules; at: number }>();
  async get(exchange: ExchangePort, symbol: string, now: number): Promise<SymbolRules> {
    const key = `${exchange.accountId}|${symbol}`;
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < RULES_TTL_MS) return hit.rules;
    const rules = await exchange.loadRules(symbol);
    this.#entries.set(key, { rules, at: now });
    return rules;
  }
  /** Drops an account's rules: the next read loads them again (after a reconnect, they may have changed). */
  forget(accountId: string): void {
    for (const key of [...this.#entries.keys()])
      if (key.startsWith(`${accountId}|`)) this.#entries.delete(key);
  }
}

/** What protection needs for one leg: prices, open orders, the position (the protection pass). */
export async function gatherLegProtection(
  exchange: ExchangePort,
  rules: SymbolRules,
  leg: Leg,
): Promise<LegProtectionSnapshot & { readonly position: Position }> {
  const [price, openOrders, position] = await Promise.all([
    exchange.fetchPrice(leg.symbol),
    exchange.openOrders(leg.symbol),
    exchange.position(leg.symbol, leg.positionSide),
  ]);
  return {
    leg,
    price: price.last,
    markPrice: price.mark,
    rules,
    supportsAmend: exchange.supportsAmend,
    openOrders,
    position,
  };
}

/** Everything recon needs of one leg, read from the exchange (never from memory). */
export async function gatherLegSnapshot(
  exchange: ExchangePort,
  rules: SymbolRules,
  leg: Leg,
  config: InstanceConfigBase,
  state: InstanceEnvelope,
  now: number,
): Promise<LegSnapshot> {
  const strategy = strategyOf(config);
  const [protection, balance] = await Promise.all([
    gatherLegProtection(exchange, rules, leg),
    exchange.balance(settleAssetOf(leg.symbol)),
  ]);
  // Trades are read after the open orders (never in parallel): an order that fills in between shows up
  // in the history, and the strategy settles the older order list against it.
  const fills = await tradesAfter(exchange, leg.symbol, strategy.fillCursor(state, leg));
  const lookups: Record<string, ExchangeOrder | null> = {};
  for (const id of strategy.ordersToLookUp(state, leg, protection.openOrders, config, now)) {
    lookups[id] = await exchange.order(leg.symbol, id, 'limit');
  }
  return {
    ...protection,
    fills,
    orderLookups: lookups,
    wallet: balance.wallet,
    equity: balance.marginBalance,
    at: now,
  };
}

/** What reading a leg takes: each account's exchange and the rules cache. */
export interface LegReader {
  readonly exchanges: ExchangeResolver;
  readonly rules: RulesCache;
}

/**
 * Reads each of an instance's legs in turn (its account's exchange and symbol rules), in leg order. For a
 * strategy whose legs stand apart (`independentLegs`), a leg whose account fails with an exchange error is
 * handed over as `unreadable` (empty, to be left alone) instead of failing the pass, so one bad account
 * (refused credentials, a dead proxy) holds up only its own pair.
 */
async function perLeg<T extends LegProtectionSnapshot>(
  ctx: LegReader,
  config: InstanceConfigBase,
  now: number,
  read: (exchange: ExchangePort, rules: SymbolRules, leg: Leg) => Promise<T>,
): Promise<T[]> {
  const strategy = strategyOf(config);
  const out: T[] = [];
  const failed: { leg: Leg; error: ExchangeError }[] = [];
  for (const leg of strategy.legs(config)) {
    const exchange = ctx.exchanges(leg.account);
    try {
      const rules = await ctx.rules.get(exchange, leg.symbol, now);
      out.push(await read(exchange, rules, leg));
    } catch (e) {
      // Rate limits are the IP's (accounts may share a proxy): the pass backs off as a whole.
      if (!strategy.independentLegs || !(e instanceof ExchangeError) || e.kind === 'rate_limited') throw e;
      failed.push({ leg, error: e });
    }
  }
  if (failed.length === 0) return out;
  const known = out[0];
  // Nothing read at all: the venue (or this process's network) is down, not one account.
  if (!known) throw failed[0]!.error;
  const order = strategy.legs(config).map((l) => l.role);
  for (const { leg, error } of failed)
    out.push({
      ...known,
      leg,
      openOrders: [],
      position: null,
      fills: [],
      orderLookups: {},
      wallet: ZERO,
      equity: ZERO,
      at: now,
      unreadable: { kind: error.kind, message: error.message },
    } as unknown as T);
  return out.sort((a, b) => order.indexOf(a.leg.role) - order.indexOf(b.leg.role));
}

/** Every leg's recon snapshot, in the strategy's leg order (legs are read one after another). */
export function gatherSnapshots(
  ctx: LegReader,
  config: InstanceConfigBase,
  state: InstanceEnvelope,
  now: number,
): Promise<LegSnapshot[]> {
  return perLeg(ctx, config, now, (exchange, rules, leg) =>
    gatherLegSnapshot(exchange, rules, leg, config, state, now),
  );
}

/** Every leg's protection snapshot (three reads per leg). */
export function gatherProtectionSnapshots(
  ctx: LegReader,
  config: InstanceConfigBase,
  now: number,
): Promise<LegProtectionSnapshot[]> {
  return perLeg(ctx, config, now, (exchange, rules, leg) => gatherLegProtection(exchange, rules, leg));
}

/** The settlement currency of a ccxt linear swap symbol (`DOGE/USDC:USDC` → `USDC`). */
export function settleAssetOf(symbol: string): string {
  const settle = symbol.split(':')[1];
  if (settle) return settle;
  const quote = symbol.split('/')[1];
  if (!quote) throw new Error(`cannot tell the settlement asset of symbol ${symbol}`);
  return quote;
}

/** Trade history after a leg's cursor, paging until the exchange has no more (bounded). */
async function tradesAfter(exchange: ExchangePort, symbol: string, from: FillCursor | null): Promise<Fill[]> {
  const all: Fill[] = [];
  let cursor = from;
  for (let page = 0; page < MAX_TRADE_PAGES; page++) {
    const batch = await exchange.tradesSince(symbol, cursor, TRADE_PAGE);
    all.push(...batch);
    const last = batch[batch.length - 1];
    if (batch.length < TRADE_PAGE || !last) break;
    cursor = { time: last.time, tradeId: last.tradeId };
  }
  return all;
}

/**
 * The last `count` candles of `timeframe` (plus one for the previous close), built from the venue's
 * 1-minute candles, read in pages: what the ATR-driven level sources and the hedge grid's parameters use.
 */
export async function candleHistory(
  exchange: ExchangePort,
  symbol: string,
  timeframe: Timeframe,
  count: number,
  now: number,
): Promise<Candle[]> {
  const wanted = ((count + 1) * timeframeMs(timeframe)) / 60_000;
  const out: Candle[] = [];
  let from = now - wanted * 60_000;
  while (from < now) {
    const batch = await exchange.candles(symbol, '1m', from, 1500);
    if (batch.length === 0) break;
    out.push(...batch);
    from = batch[batch.length - 1]!.openTime + 60_000;
    if (batch.length < 1500) break;
  }
  return aggregateCandles(out, timeframe);
}

/**
 * Where each leg's trade history ends now (its last trade), by role: a new instance starts its cursors
 * there, so what the account traded before it (by hand, another bot) is never taken for its own.
 */
export async function historyEnds(
  ctx: LegReader,
  config: InstanceConfigBase,
  state: InstanceEnvelope,
  now: number,
): Promise<Record<string, FillCursor>> {
  const out: Record<string, FillCursor> = {};
  for (const snap of await gatherSnapshots(ctx, config, state, now)) {
    const last = snap.fills[snap.fills.length - 1];
    if (last) out[snap.leg.role] = { time: last.time, tradeId: last.tradeId };
  }
  return out;
}

/**
 * A new instance's state with each leg's trade cursor after what its account traded before (`historyEnds`):
 * that history is not the instance's (hand trades, another bot). For any strategy whose state keeps its
 * legs' cursors as `legs.<role>.cursor`.
 */
export async function afterPastHistory<
  S extends InstanceEnvelope & {
    readonly legs: Readonly<Record<string, { readonly cursor: FillCursor | null }>>;
  },
>(ctx: LegReader, config: InstanceConfigBase, state: S, now: number): Promise<S> {
  const ends = await historyEnds(ctx, config, state, now);
  const legs = Object.fromEntries(
    Object.entries(state.legs).map(([role, leg]) => [role, { ...leg, cursor: ends[role] ?? leg.cursor }]),
  );
  return { ...state, legs };
}
