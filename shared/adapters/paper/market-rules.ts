/**
 * Market rules from a real Binance `GET /fapi/v1/exchangeInfo` body: the filters the matching engine
 * enforces (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, MIN_NOTIONAL, PERCENT_PRICE, MAX_NUM_ORDERS,
 * MAX_NUM_ALGO_ORDERS) plus the per-symbol liquidation fee. Prices and sizes are parsed from the strings
 * Binance sends; integers (limits, precisions) are JSON numbers and read as such.
 */
import { z } from 'zod';
import { type Decimal, dec } from '../../domain/money.js';

export interface MarketRules {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  readonly minPrice: Decimal;
  readonly maxPrice: Decimal;
  readonly tickSize: Decimal;
  readonly minQty: Decimal;
  readonly maxQty: Decimal;
  readonly stepSize: Decimal;
  readonly marketMinQty: Decimal;
  readonly marketMaxQty: Decimal;
  readonly marketStepSize: Decimal;
  /** MIN_NOTIONAL.notional, kept as Binance's text too (it appears in the -4164 message). */
  readonly minNotional: Decimal;
  readonly minNotionalText: string;
  readonly multiplierUp: Decimal;
  readonly multiplierDown: Decimal;
  readonly maxNumOrders: number;
  readonly maxNumAlgoOrders: number;
  readonly liquidationFee: Decimal;
  /** Decimals Binance renders prices / quantities with (pricePrecision / quantityPrecision). */
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
}

const filterSchema = z.looseObject({ filterType: z.string() });
const symbolSchema = z.looseObject({
  symbol: z.string(),
  status: z.string(),
  contractType: z.string(),
  baseAsset: z.string(),
  quoteAsset: z.string(),
  marginAsset: z.string(),
  pricePrecision: z.number().int(),
  quantityPrecision: z.number().int(),
  liquidationFee: z.string(),
  filters: z.array(filterSchema),
});
export const exchangeInfoSchema = z.looseObject({
  serverTime: z.number(),
  symbols: z.array(symbolSchema),
});
export type ExchangeInfoJson = z.infer<typeof exchangeInfoSchema>;

function filter(raw: z.infer<typeof symbolSchema>, type: string): Record<string, unknown> {
  const f = raw.filters.find((x) => x.filterType === type);
  if (!f) throw new Error(`exchangeInfo ${raw.symbol}: filter ${type} is missing`);
  return f;
}

function text(f: Record<string, unknown>, key: string, symbol: string): string {
  const v = f[key];
  if (typeof v !== 'string')
    throw new Error(`exchangeInfo ${symbol}: ${f.filterType}.${key} must be a string`);
  return v;
}

function int(f: Record<string, unknown>, key: string, symbol: string): number {
  const v = f[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new Error(`exchangeInfo ${symbol}: ${f.filterType}.${key} must be an integer`);
  }
  return v;
}

export function parseMarketRules(raw: z.infer<typeof symbolSchema>): MarketRules {
  const s = raw.symbol;
  const price = filter(raw, 'PRICE_FILTER');
  const lot = filter(raw, 'LOT_SIZE');
  const mlot = filter(raw, 'MARKET_LOT_SIZE');
  const notional = filter(raw, 'MIN_NOTIONAL');
  const percent = filter(raw, 'PERCENT_PRICE');
  const maxOrders = filter(raw, 'MAX_NUM_ORDERS');
  const maxAlgo = filter(raw, 'MAX_NUM_ALGO_ORDERS');
  const tickSize = dec(text(price, 'tickSize', s), `${s} tickSize`);
  const stepSize = dec(text(lot, 'stepSize', s), `${s} stepSize`);
  const minNotionalText = text(notional, 'notional', s);
  return {
    symbol: s,
    baseAsset: raw.baseAsset,
    quoteAsset: raw.quoteAsset,
    marginAsset: raw.marginAsset,
    pricePrecision: raw.pricePrecision,
    quantityPrecision: raw.quantityPrecision,
    minPrice: dec(text(price, 'minPrice', s)),
    maxPrice: dec(text(price, 'maxPrice', s)),
    tickSize,
    minQty: dec(text(lot, 'minQty', s)),
    maxQty: dec(text(lot, 'maxQty', s)),
    stepSize,
    marketMinQty: dec(text(mlot, 'minQty', s)),
    marketMaxQty: dec(text(mlot, 'maxQty', s)),
    marketStepSize: dec(text(mlot, 'stepSize', s)),
    minNotional: dec(minNotionalText),
    minNotionalText,
    multiplierUp: dec(text(percent, 'multiplierUp', s)),
    multiplierDown: dec(text(percent, 'multiplierDown', s)),
    maxNumOrders: int(maxOrders, 'limit', s),
    maxNumAlgoOrders: int(maxAlgo, 'limit', s),
    liquidationFee: dec(raw.liquidationFee, `${s} liquidationFee`),
    priceDecimals: raw.pricePrecision,
    qtyDecimals: raw.quantityPrecision,
  };
}

/** Parses and validates an exchangeInfo body; only TRADING perpetuals are kept. */
export function parseExchangeInfo(json: unknown): {
  info: ExchangeInfoJson;
  rules: Map<string, MarketRules>;
} {
  const info = exchangeInfoSchema.parse(json);
  const rules = new Map<string, MarketRules>();
  for (const raw of info.symbols) {
    if (raw.status !== 'TRADING' || raw.contractType !== 'PERPETUAL') continue;
    rules.set(raw.symbol, parseMarketRules(raw));
  }
  return { info, rules };
}

/** BTCUSDT (pricePrecision 2) → `"91739.90"`, as Binance renders prices. */
export function formatPrice(rules: MarketRules, price: Decimal): string {
  return price.toFixed(rules.priceDecimals);
}

export function formatQty(rules: MarketRules, qty: Decimal): string {
  return qty.toFixed(rules.qtyDecimals);
}
