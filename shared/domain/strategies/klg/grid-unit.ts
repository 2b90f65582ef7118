/**
 * The grid unit: the coins one support buys and the unit holdings are counted in. A config gives it in
 * coins (`base_amount_per_grid`) or in quote currency (`quote_amount_per_grid`). A quote amount is converted
 * to coins here, at the exchange edge: at the price a decision sees, rounded down to the exchange step, and
 * stored in the grid state, so every later decision counts in the same unit. It is converted again only
 * when nothing is held in the old unit: the first decision, a rebuild while flat, or a changed quote amount
 * while flat.
 *
 * Entry points: `unitOf` (what every rule reads), `settleGridUnit` (the conversion, run by every decision
 * with market facts), `convertQuoteUnit`.
 */

import { type Decimal, maxDec } from '../../money.js';
import { contractsToCoins, roundQty, type SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';

/** A quote amount converted to coins, with what it was converted from. */
export interface ConvertedUnit {
  readonly coins: Decimal;
  readonly quote: Decimal;
  readonly price: Decimal;
  readonly at: number;
}

/** The grid unit in coins: the config's coins, or its quote amount as converted for this grid. */
export function unitOf(config: KlgConfig, s: { readonly unit: ConvertedUnit | null }): Decimal {
  if (config.base_amount_per_grid) return config.base_amount_per_grid;
  if (s.unit) return s.unit.coins;
  // settleGridUnit runs before any rule reads the unit: reaching here is a programming error.
  throw new Error(`${config.id}: quote_amount_per_grid has not been converted to coins yet`);
}

/**
 * `quote` in coins at `price`, rounded down to the exchange step, and never below one step (the unit
 * divides holdings; the venue check and the buy rules refuse a unit below the exchange minimum).
 */
export function convertQuoteUnit(quote: Decimal, price: Decimal, rules: SymbolRules): Decimal {
  const step = contractsToCoins(rules.stepSize, rules);
  return maxDec(roundQty(quote.dividedBy(price), rules), step);
}

/**
 * Converts (or keeps) the quote-sized unit for a decision at `price`. `rebuild`: a new grid is being laid
 * out, so a flat position takes the unit at today's price. Clears the stored unit of a coin-sized config.
 */
export function settleGridUnit(
  s: { unit: ConvertedUnit | null; readonly holdings: Decimal },
  config: KlgConfig,
  price: Decimal,
  rules: SymbolRules,
  now: number,
  opts: { rebuild?: boolean } = {},
): void {
  const quote = config.quote_amount_per_grid;
  if (!quote) {
    s.unit = null;
    return;
  }
  const flat = s.holdings.isZero();
  if (s.unit && !(flat && (opts.rebuild === true || !s.unit.quote.equals(quote)))) return;
  if (!price.greaterThan(0)) return;
  s.unit = { coins: convertQuoteUnit(quote, price, rules), quote, price, at: now };
}
