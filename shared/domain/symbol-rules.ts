/**
 * Symbol rules: what the exchange accepts for one market, and rounding that knows its direction.
 *
 * Entry points: `symbolRules` (validated constructor), `roundPrice` (buy prices down, sell prices up, so a
 * rounded limit is never worse for us than the level it serves), `roundQty` (quantities always down, so we
 * never send more than we meant), `coinsToContracts` / `contractsToCoins`, `checkOrder` (min qty, min
 * notional, tick and step) returning a typed verdict.
 *
 * Invariants:
 *  1. All internal quantities are coins (base asset). Contracts exist only at the exchange edge.
 *  2. `roundQty(q) ≤ q`; `roundPrice(p, 'buy') ≤ p ≤ roundPrice(p, 'sell')`; results sit on step / tick.
 *  3. `coinsToContracts` floors to the contract step: it never rounds up past what we hold.
 */
import { z } from 'zod';
import { ceilTo, type Decimal, dec, floorTo, isMultipleOf, ZERO } from './money.js';
import { decimalString, positiveDecimalString } from './schema-helpers.js';

export type Side = 'buy' | 'sell';

export interface SymbolRules {
  /** The symbol as the rest of the system names it (ccxt unified, e.g. `DOGE/USDC:USDC`). */
  readonly symbol: string;
  /** Price increment (PRICE_FILTER.tickSize). */
  readonly tickSize: Decimal;
  /** Quantity increment in contracts (LOT_SIZE.stepSize). */
  readonly stepSize: Decimal;
  /** Minimum quantity in contracts (LOT_SIZE.minQty). */
  readonly minQty: Decimal;
  /** Maximum limit-order quantity in contracts (LOT_SIZE.maxQty), if the venue has one. */
  readonly maxQty?: Decimal | undefined;
  /** Minimum order value in quote currency (MIN_NOTIONAL.notional). */
  readonly minNotional: Decimal;
  /** Coins per contract: 1 on Binance USD-M, e.g. 1000 for OKX DOGE-USDT-SWAP. */
  readonly contractSize: Decimal;
  /** Maker / taker fee rates as fractions (0.0002 = 2 bp). */
  readonly makerFee: Decimal;
  readonly takerFee: Decimal;
}

export const symbolRulesSchema = z.object({
  symbol: z.string().min(1),
  tickSize: positiveDecimalString,
  stepSize: positiveDecimalString,
  minQty: decimalString,
  maxQty: positiveDecimalString.optional(),
  minNotional: decimalString,
  contractSize: positiveDecimalString,
  makerFee: decimalString,
  takerFee: decimalString,
});

export function symbolRules(input: z.input<typeof symbolRulesSchema>): SymbolRules {
  const parsed = symbolRulesSchema.parse(input);
  return parsed;
}

/** Symbol rules with every Decimal as its string (`maxQty` stays optional). */
export type SymbolRulesJson = { readonly [K in keyof SymbolRules]: string };

/** Serializable form (Decimals as strings); `symbolRules` reads it back. */
export function symbolRulesToJson(rules: SymbolRules): SymbolRulesJson {
  const out: { -readonly [K in keyof SymbolRulesJson]: SymbolRulesJson[K] } = {
    symbol: rules.symbol,
    tickSize: rules.tickSize.toFixed(),
    stepSize: rules.stepSize.toFixed(),
    minQty: rules.minQty.toFixed(),
    minNotional: rules.minNotional.toFixed(),
    contractSize: rules.contractSize.toFixed(),
    makerFee: rules.makerFee.toFixed(),
    takerFee: rules.takerFee.toFixed(),
  };
  if (rules.maxQty) out.maxQty = rules.maxQty.toFixed();
  return out;
}

/** Buy prices round down, sell prices round up, to the tick. */
export function roundPrice(price: Decimal, side: Side, rules: SymbolRules): Decimal {
  return side === 'buy' ? floorTo(price, rules.tickSize) : ceilTo(price, rules.tickSize);
}

/** Coin quantity rounded down to what the exchange can express (contract step × contract size). */
export function roundQty(coins: Decimal, rules: SymbolRules): Decimal {
  if (coins.lessThanOrEqualTo(0)) return ZERO;
  return contractsToCoins(coinsToContracts(coins, rules), rules);
}

/** Coins → contracts, floored to the contract step. */
export function coinsToContracts(coins: Decimal, rules: SymbolRules): Decimal {
  if (coins.lessThanOrEqualTo(0)) return ZERO;
  return floorTo(coins.dividedBy(rules.contractSize), rules.stepSize);
}

export function contractsToCoins(contracts: Decimal, rules: SymbolRules): Decimal {
  return contracts.times(rules.contractSize);
}

// Memoized per (rules, price) object: level prices and their rounded order prices are shared, immutable
// Decimals, and recon asks this for every slice of every pass (two Decimal divisions each). Pure: the
// answer depends only on the two immutable arguments.
const minOrderCache = new WeakMap<SymbolRules, WeakMap<Decimal, Decimal>>();

/** The smallest coin quantity an order may carry at `price` (max of min qty and min notional). */
export function minOrderCoins(price: Decimal, rules: SymbolRules): Decimal {
  let byPrice = minOrderCache.get(rules);
  if (!byPrice) {
    byPrice = new WeakMap();
    minOrderCache.set(rules, byPrice);
  }
  let min = byPrice.get(price);
  if (!min) {
    min = computeMinOrderCoins(price, rules);
    byPrice.set(price, min);
  }
  return min;
}

function computeMinOrderCoins(price: Decimal, rules: SymbolRules): Decimal {
  const byQty = contractsToCoins(rules.minQty, rules);
  const byNotional = price.greaterThan(0)
    ? contractsToCoins(
        ceilTo(rules.minNotional.dividedBy(price).dividedBy(rules.contractSize), rules.stepSize),
        rules,
      )
    : ZERO;
  const step = contractsToCoins(rules.stepSize, rules);
  const min = byQty.greaterThan(byNotional) ? byQty : byNotional;
  return min.greaterThan(step) ? min : step;
}

export type OrderCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason:
        | 'price_off_tick'
        | 'qty_off_step'
        | 'below_min_qty'
        | 'below_min_notional'
        | 'above_max_qty';
      readonly detail: string;
    };

/** Would the exchange accept a limit order of `coins` at `price`? `reduceOnly` orders skip min notional. */
export function checkOrder(
  price: Decimal,
  coins: Decimal,
  rules: SymbolRules,
  opts: { reduceOnly?: boolean } = {},
): OrderCheck {
  if (!isMultipleOf(price, rules.tickSize)) {
    return {
      ok: false,
      reason: 'price_off_tick',
      detail: `price ${price} is not a multiple of ${rules.tickSize}`,
    };
  }
  const contracts = coins.dividedBy(rules.contractSize);
  if (!isMultipleOf(contracts, rules.stepSize)) {
    return {
      ok: false,
      reason: 'qty_off_step',
      detail: `qty ${contracts} is not a multiple of ${rules.stepSize}`,
    };
  }
  if (contracts.lessThan(rules.minQty) || contracts.isZero()) {
    return { ok: false, reason: 'below_min_qty', detail: `qty ${contracts} < min ${rules.minQty}` };
  }
  if (rules.maxQty && contracts.greaterThan(rules.maxQty)) {
    return { ok: false, reason: 'above_max_qty', detail: `qty ${contracts} > max ${rules.maxQty}` };
  }
  if (!opts.reduceOnly && price.times(coins).lessThan(rules.minNotional)) {
    return {
      ok: false,
      reason: 'below_min_notional',
      detail: `notional ${price.times(coins)} < min ${rules.minNotional}`,
    };
  }
  return { ok: true };
}

/** Quote-currency value of a coin quantity (for logs and alerts). */
export function notional(price: Decimal, coins: Decimal): Decimal {
  return price.times(coins);
}

export { dec };

/**
 * Why a fill the venue reported cannot be right for these rules (its price off the tick, its size off the
 * step), or null. A venue never prints such a trade; a parser bug or a corrupt message does, and so does a
 * rules cache older than a tick-size change (callers reload the rules before they reject for good).
 */
export function offGridFill(
  fill: { readonly tradeId: string; readonly price: Decimal; readonly qty: Decimal },
  rules: SymbolRules,
): string | null {
  if (!isMultipleOf(fill.price, rules.tickSize))
    return `trade ${fill.tradeId}: price ${fill.price.toFixed()} is not on the tick ${rules.tickSize.toFixed()} of ${rules.symbol}`;
  if (!isMultipleOf(fill.qty.dividedBy(rules.contractSize), rules.stepSize))
    return `trade ${fill.tradeId}: size ${fill.qty.toFixed()} is not on the step ${rules.stepSize.toFixed()} of ${rules.symbol}`;
  return null;
}
