/**
 * Which symbol rules a simulation trades under, and where they came from. Precedence per symbol: the
 * config's `simulation.symbols` → an exchangeInfo file (`--exchange-info` or `simulation.exchange_info`)
 * → the built-in table (Binance USD-M), or for a symbol its accounts trade on OKX the real OKX instruments
 * payload the OKX protocol server hosts (contract value, lot and tick of the swap, in coins for the engine). The result is one exchangeInfo body for the paper exchange (rules written in the
 * config are turned into Binance filters), the fee rates per quote asset, and the source of each symbol's
 * rules, which the run reports.
 */

import { OkxInstruments, okxEngineExchangeInfo } from '../../adapters/paper/okx-server/instruments.js';
import type { FeeSpec } from '../../adapters/paper/setup.js';
import type { SimSymbolRules, SimulationConfig } from '../../domain/config/simulation.js';
import type { Decimal } from '../../domain/money.js';
import { BUILTIN_SYMBOLS, type BuiltinSymbol } from './symbol-table.js';

export class SimInputError extends Error {
  override readonly name = 'SimInputError';
}

export type RulesSource = 'config' | 'exchange-info' | 'built-in';

export interface SimMarkets {
  /** A `GET /fapi/v1/exchangeInfo` body holding exactly the simulated symbols. */
  readonly exchangeInfo: { serverTime: number; symbols: unknown[] };
  /** ccxt symbol → Binance id. */
  readonly ids: Readonly<Record<string, string>>;
  readonly sources: Readonly<Record<string, { source: RulesSource; detail: string }>>;
  readonly fees: FeeSpec;
  /** Coins per contract of the symbols simulated as OKX swaps (engine id → ctVal); the others count coins. */
  readonly contracts: Readonly<Record<string, Decimal>>;
}

const LINEAR = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)$/;

/** `DOGE/USDC:USDC` → `{ id: 'DOGEUSDC', base: 'DOGE', quote: 'USDC' }`. */
export function parseLinearSymbol(symbol: string): { id: string; base: string; quote: string } {
  const m = LINEAR.exec(symbol);
  if (!m || m[2] !== m[3]) {
    throw new SimInputError(
      `symbol "${symbol}": the simulator runs USD-M linear perpetuals written BASE/QUOTE:QUOTE, e.g. DOGE/USDC:USDC`,
    );
  }
  return { id: `${m[1]}${m[2]}`, base: m[1]!, quote: m[2]! };
}

function decimals(d: Decimal): number {
  const text = d.toFixed();
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

function symbolJson(id: string, base: string, quote: string, b: BuiltinSymbol): Record<string, unknown> {
  return {
    symbol: id,
    pair: id,
    contractType: 'PERPETUAL',
    status: 'TRADING',
    baseAsset: base,
    quoteAsset: quote,
    marginAsset: quote,
    pricePrecision: b.pricePrecision,
    quantityPrecision: b.quantityPrecision,
    liquidationFee: b.liquidationFee,
    filters: [
      { filterType: 'PRICE_FILTER', tickSize: b.tickSize, minPrice: b.minPrice, maxPrice: b.maxPrice },
      { filterType: 'LOT_SIZE', stepSize: b.stepSize, minQty: b.minQty, maxQty: b.maxQty },
      { filterType: 'MARKET_LOT_SIZE', stepSize: b.stepSize, minQty: b.minQty, maxQty: b.marketMaxQty },
      { filterType: 'MAX_NUM_ORDERS', limit: b.maxNumOrders },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: b.minNotional },
      {
        filterType: 'PERCENT_PRICE',
        multiplierUp: '1.0500',
        multiplierDown: '0.9500',
        multiplierDecimal: '4',
      },
    ],
  };
}

function fromConfig(r: SimSymbolRules): BuiltinSymbol {
  const maxQty = r.max_qty?.toFixed() ?? r.step_size.times(1_000_000_000).toFixed();
  return {
    pricePrecision: decimals(r.tick_size),
    quantityPrecision: decimals(r.step_size),
    liquidationFee: '0.012500',
    tickSize: r.tick_size.toFixed(),
    minPrice: r.tick_size.toFixed(),
    maxPrice: r.tick_size.times(1_000_000_000_000).toFixed(),
    stepSize: r.step_size.toFixed(),
    minQty: (r.min_qty ?? r.step_size).toFixed(),
    maxQty,
    marketMaxQty: maxQty,
    minNotional: r.min_notional.toFixed(),
    maxNumOrders: r.max_num_orders,
  };
}

function fromFile(body: unknown, id: string): Record<string, unknown> | undefined {
  const symbols = (body as { symbols?: unknown })?.symbols;
  if (!Array.isArray(symbols)) return undefined;
  return symbols.find(
    (s): s is Record<string, unknown> =>
      typeof s === 'object' && s !== null && (s as { symbol?: unknown }).symbol === id,
  );
}

function feesFor(symbols: readonly string[], sim: SimulationConfig): FeeSpec {
  const fees: Record<string, { maker: string; taker: string }> = {};
  for (const [asset, f] of Object.entries(sim.fees))
    fees[asset] = { maker: f.maker.toFixed(), taker: f.taker.toFixed() };
  const setBy = new Map<string, string>();
  for (const symbol of symbols) {
    const r = sim.symbols[symbol];
    if (!r || (r.maker_fee === undefined && r.taker_fee === undefined)) continue;
    const { quote } = parseLinearSymbol(symbol);
    const current = fees[quote] ?? {
      maker: quote === 'USDC' ? '0' : '0.0002',
      taker: quote === 'USDC' ? '0.0004' : '0.0005',
    };
    const next = {
      maker: r.maker_fee?.toFixed() ?? current.maker,
      taker: r.taker_fee?.toFixed() ?? current.taker,
    };
    const other = setBy.get(quote);
    if (other && (next.maker !== current.maker || next.taker !== current.taker)) {
      throw new SimInputError(
        `simulation.symbols.${symbol}: fees differ from ${other}'s, but the paper exchange charges one rate per quote asset (${quote}); set them under simulation.fees.${quote}`,
      );
    }
    fees[quote] = next;
    setBy.set(quote, symbol);
  }
  return fees;
}

export type SimVenue = 'binanceusdm' | 'okx';

export function resolveMarkets(
  symbols: readonly string[],
  sim: SimulationConfig,
  exchangeInfo?: { readonly path: string; readonly body: unknown },
  /** The venue each symbol's accounts trade on (default Binance USD-M). */
  venueOf: (symbol: string) => SimVenue = () => 'binanceusdm',
): SimMarkets {
  const ids: Record<string, string> = {};
  const sources: Record<string, { source: RulesSource; detail: string }> = {};
  const entries: unknown[] = [];
  const contracts: Record<string, Decimal> = {};
  const okx = new OkxInstruments();
  const okxInfo = okxEngineExchangeInfo(okx);
  for (const symbol of symbols) {
    const { id, base, quote } = parseLinearSymbol(symbol);
    ids[symbol] = id;
    const configured = sim.symbols[symbol];
    const filed = exchangeInfo ? fromFile(exchangeInfo.body, id) : undefined;
    if (venueOf(symbol) === 'okx' && !configured) {
      const swap = okx.all().find((i) => i.engineSymbol === id);
      if (!swap)
        throw new SimInputError(
          `no OKX swap for ${symbol} in the shipped instruments payload (it has ${okx
            .all()
            .map((i) => `${i.ctValCcy}/${i.settleCcy}:${i.settleCcy}`)
            .join(
              ', ',
            )}): give its rules under simulation.symbols["${symbol}"] (tick_size, step_size in coins, min_notional)`,
        );
      entries.push(okxInfo.symbols.find((e) => e.symbol === id));
      contracts[id] = swap.ctVal;
      sources[symbol] = {
        source: 'built-in',
        detail: `OKX ${swap.instId} from the shipped instruments payload (${swap.ctVal.toFixed()} ${swap.ctValCcy} a contract)`,
      };
      continue;
    }
    const builtin = BUILTIN_SYMBOLS[id];
    if (configured) {
      entries.push(symbolJson(id, base, quote, fromConfig(configured)));
      sources[symbol] = { source: 'config', detail: `simulation.symbols["${symbol}"]` };
    } else if (filed && exchangeInfo) {
      entries.push(filed);
      sources[symbol] = { source: 'exchange-info', detail: exchangeInfo.path };
    } else if (builtin) {
      entries.push(symbolJson(id, base, quote, builtin));
      sources[symbol] = { source: 'built-in', detail: 'Binance USD-M exchangeInfo of 2025-11-26' };
    } else {
      throw new SimInputError(
        `no symbol rules for ${symbol}: give them under simulation.symbols["${symbol}"] (tick_size, step_size, min_notional) or pass --exchange-info <file>${exchangeInfo ? ` (${id} is not in ${exchangeInfo.path})` : ''}`,
      );
    }
  }
  for (const s of Object.keys(sim.symbols)) {
    if (!symbols.includes(s))
      throw new SimInputError(
        `simulation.symbols["${s}"]: no instance trades ${s}; remove it or fix the symbol`,
      );
  }
  return {
    exchangeInfo: { serverTime: 0, symbols: entries },
    ids,
    sources,
    fees: feesFor(symbols, sim),
    contracts,
  };
}
