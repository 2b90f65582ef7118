/**
 * Facts from the exchange for one instance: symbol rules (cached per process: they change rarely and a
 * recon pass must not spend API weight on them) and the recon snapshot, gathered fresh every pass.
 */

import type { ExchangeOrder, Fill, Position } from '../domain/orders.js';
import type { KlgConfig } from '../domain/strategies/klg/config.js';
import {
  type KlgState,
  ordersToLookUp,
  type ProtectionSnapshot,
  type ReconSnapshot,
} from '../domain/strategies/klg/index.js';
import type { SymbolRules } from '../domain/symbol-rules.js';
import type { ExchangePort } from '../ports/exchange.js';

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
}

export interface SnapshotTimings {
  readonly exchangeMs: number;
}

/** What protection needs, read from the exchange: prices, open orders, the position (the protection pass). */
export async function gatherProtectionSnapshot(
  exchange: ExchangePort,
  rules: SymbolRules,
  config: KlgConfig,
): Promise<ProtectionSnapshot & { readonly position: Position }> {
  const [price, openOrders, position] = await Promise.all([
    exchange.fetchPrice(config.symbol),
    exchange.openOrders(config.symbol),
    exchange.position(config.symbol, config.position_side),
  ]);
  return {
    price: price.last,
    markPrice: price.mark,
    rules,
    supportsAmend: exchange.supportsAmend,
    openOrders,
    position,
  };
}

/** Everything recon needs, read from the exchange (never from memory). */
export async function gatherSnapshot(
  exchange: ExchangePort,
  rules: SymbolRules,
  config: KlgConfig,
  state: KlgState,
  now: number,
): Promise<ReconSnapshot> {
  const [protection, balance] = await Promise.all([
    gatherProtectionSnapshot(exchange, rules, config),
    exchange.balance(settleAssetOf(config.symbol)),
  ]);
  const { openOrders, position } = protection;
  // Trades are read after the open orders (never in parallel): an order that fills in between shows up
  // in the history, and `planRecon` settles the older order list against it.
  const fills = await tradesAfter(exchange, config.symbol, state);
  const lookups: Record<string, ExchangeOrder | null> = {};
  for (const id of ordersToLookUp(state, openOrders, config, now)) {
    lookups[id] = await exchange.order(config.symbol, id, 'limit');
  }
  return {
    ...protection,
    fills,
    orderLookups: lookups,
    margin: {
      wallet: balance.wallet,
      leverage: position.leverage ?? null,
      maintMarginRate: config.risk.maint_margin_rate,
      liquidationPrice: position.liquidationPrice ?? null,
      at: now,
    },
  };
}

/** The settlement currency of a ccxt linear swap symbol (`DOGE/USDC:USDC` → `USDC`). */
export function settleAssetOf(symbol: string): string {
  const settle = symbol.split(':')[1];
  if (settle) return settle;
  const quote = symbol.split('/')[1];
  if (!quote) throw new Error(`cannot tell the settlement asset of symbol ${symbol}`);
  return quote;
}

/** Trade history after the state's cursor, paging until the exchange has no more (bounded). */
async function tradesAfter(exchange: ExchangePort, symbol: string, state: KlgState): Promise<Fill[]> {
  const all: Fill[] = [];
  let cursor = state.fillCursor;
  for (let page = 0; page < MAX_TRADE_PAGES; page++) {
    const batch = await exchange.tradesSince(symbol, cursor, TRADE_PAGE);
    all.push(...batch);
    const last = batch[batch.length - 1];
    if (batch.length < TRADE_PAGE || !last) break;
    cursor = { time: last.time, tradeId: last.tradeId };
  }
  return all;
}
