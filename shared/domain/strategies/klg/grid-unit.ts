/**
 * The grid unit: the coins one support buys and the unit holdings are counted in. A config gives it in
 * coins (`base_amount_per_grid`) or in quote currency (`quote_amount_per_grid`). A quote amount is converted
 * to coins here, at the exchange edge: at the price a decision sees, rounded down to the exchange step, and
 * stored in the grid state, so every later decision counts in the same unit. It is converted again only
 * when nothing is held in the old unit, judged after the decision has read the exchange: at a rebuild
 * while flat, or for a changed quote amount while flat with no buy of the old size resting.
 *
 * Entry points: `unitOf` (what every rule reads), `settleGridUnit` (the first conversion, run by every
 * decision with market facts), `resizeGridUnit` (converting again once flat), `unitAffordable`.
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
  const unit = knownUnit(config, s);
  if (unit) return unit;
  // Every decision with market facts converts first (`startWork`): reaching here is a programming error.
  throw new Error(`${config.id}: quote_amount_per_grid has not been converted to coins yet`);
}

/**
 * The unit when it is known: null for a quote-sized config whose state has none yet (a stored state read
 * without market facts, e.g. by the risk job right after the config switched to quote sizing).
 */
export function knownUnit(config: KlgConfig, s: { readonly unit: ConvertedUnit | null }): Decimal | null {
  return config.base_amount_per_grid ?? s.unit?.coins ?? null;
}

/**
 * `quote` in coins at `price`, rounded down to the exchange step, and never below one step: the unit
 * divides holdings. A quote amount below one step is not tradable (`unitAffordable`): the buy rules and the
 * venue check refuse it rather than buy more than it.
 */
export function convertQuoteUnit(quote: Decimal, price: Decimal, rules: SymbolRules): Decimal {
  const step = contractsToCoins(rules.stepSize, rules);
  return maxDec(roundQty(quote.dividedBy(price), rules), step);
}

/**
 * The unit every decision starts from (run by `startWork`): a coin-sized config clears the stored unit; a
 * quote-sized one without a unit yet (the first decision, or a config just switched to quote) converts it
 * at `price`. Nothing is converted again here: see `resizeGridUnit`.
 */
export function settleGridUnit(
  s: { unit: ConvertedUnit | null },
  config: KlgConfig,
  price: Decimal,
  rules: SymbolRules,
  now: number,
): void {
  const quote = config.quote_amount_per_grid;
  if (!quote) {
    s.unit = null;
    return;
  }
  if (s.unit || !price.greaterThan(0)) return;
  s.unit = { coins: convertQuoteUnit(quote, price, rules), quote, price, at: now };
}

/**
 * Converts a quote-sized unit again at `price`, once nothing is held in the old one: the ledger and the
 * exchange both flat (judged after the decision read the exchange), and either a new grid being laid out
 * (`rebuild`: every grid order is cancelled with it) or a changed quote amount with no buy of the old size
 * resting. Returns whether it converted.
 */
export function resizeGridUnit(
  s: { unit: ConvertedUnit | null; readonly holdings: Decimal },
  config: KlgConfig,
  price: Decimal,
  rules: SymbolRules,
  now: number,
  opts: { readonly rebuild: boolean; readonly exchangeFlat: boolean; readonly buyResting: boolean },
): boolean {
  const quote = config.quote_amount_per_grid;
  if (!quote || !s.unit || !price.greaterThan(0)) return false;
  if (!s.holdings.isZero() || !opts.exchangeFlat) return false;
  const changed = !s.unit.quote.equals(quote);
  if (!opts.rebuild && !(changed && !opts.buyResting)) return false;
  s.unit = { coins: convertQuoteUnit(quote, price, rules), quote, price, at: now };
  return true;
}

/**
 * Whether a quote-sized unit buys at least one exchange step (its conversion rounded down is above zero):
 * a unit raised to one step for the arithmetic would spend more than the quote amount, so the buy rules
 * refuse it. A coin-sized unit always does.
 */
export function unitAffordable(s: { readonly unit: ConvertedUnit | null }, rules: SymbolRules): boolean {
  return !s.unit || roundQty(s.unit.quote.dividedBy(s.unit.price), rules).greaterThan(0);
}
