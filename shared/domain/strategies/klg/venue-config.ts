/**
 * A KLG config checked against the venue (what parsing alone cannot know): the grid unit on the exchange
 * step, and a grid that can buy at least one unit without risking liquidation before its stop.
 *
 * Entry points: `venueConfigProblems`, `assertVenueConfig`.
 */

import { ConfigError } from '../../config/format-error.js';
import { ceilTo, type Decimal, dec, floorTo, isMultipleOf, maxDec } from '../../money.js';
import { minOrderCoins, roundQty, type SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import { convertQuoteUnit } from './grid-unit.js';
import { gridFeasibility } from './margin-guard.js';

const CENT = dec('0.01');

/**
 * Checks a KLG config against the venue's rules for its symbol (what parsing alone cannot know). Returns
 * one line per problem, naming the field and the fix; empty when the config fits. `levels` and `wallet`
 * (when known) add the margin check: a grid that cannot buy even one unit without risking liquidation
 * before its stop is refused.
 */
export function venueConfigProblems(
  config: KlgConfig,
  rules: SymbolRules,
  opts: {
    levels?: readonly Decimal[];
    wallet?: Decimal;
    leverage?: Decimal | null;
    /** The price a quote-sized unit is converted at (default: the highest level, the fewest coins). */
    price?: Decimal;
  } = {},
): string[] {
  const out: string[] = [];
  const prefix = `instances[${config.id}]`;
  const step = rules.stepSize.times(rules.contractSize);
  const base = config.base_amount_per_grid;
  const quote = config.quote_amount_per_grid;
  const sorted = opts.levels ? [...opts.levels].sort((a, b) => a.comparedTo(b)) : [];
  let unit: Decimal | null = null;
  let field = 'base_amount_per_grid';
  if (base) {
    unit = base;
    if (!isMultipleOf(base, step)) {
      const below = floorTo(base, step);
      const above = below.plus(step);
      out.push(
        `${prefix}.base_amount_per_grid: ${base.toFixed()} is not a multiple of the exchange step ${step.toFixed()} for ${config.symbol}; use ${below.greaterThan(0) ? `${below.toFixed()} or ` : ''}${above.toFixed()}`,
      );
    }
  } else if (quote) {
    field = 'quote_amount_per_grid';
    const at = opts.price ?? sorted[sorted.length - 1];
    if (at?.greaterThan(0)) {
      unit = convertQuoteUnit(quote, at, rules);
      // Every support must be able to buy one unit: the minimum is largest at the lowest level (notional).
      const lowest = sorted[0] ?? at;
      const min = maxDec(minOrderCoins(lowest, rules), minOrderCoins(at, rules));
      if (unit.lessThan(min) || !roundQty(quote.dividedBy(at), rules).greaterThan(0)) {
        const need = ceilTo(min.times(at), CENT);
        out.push(
          `${prefix}.quote_amount_per_grid: ${quote.toFixed()} buys ${roundQty(quote.dividedBy(at), rules).toFixed()} coins at ${at.toFixed()}, below the exchange minimum order of ${min.toFixed()} coins for ${config.symbol}; raise it to at least ${need.toFixed()}`,
        );
      }
    }
  }
  if (unit && opts.levels && opts.wallet) {
    const why = gridFeasibility({
      config,
      unit,
      rules,
      levels: opts.levels,
      wallet: opts.wallet,
      leverage: opts.leverage ?? null,
    });
    if (why) out.push(`${prefix}.${field}: ${why}; lower it or fund the account with more margin`);
  }
  return out;
}

/** Throws a `ConfigError` listing every problem `venueConfigProblems` finds. */
export function assertVenueConfig(
  config: KlgConfig,
  rules: SymbolRules,
  opts: Parameters<typeof venueConfigProblems>[2] = {},
): void {
  const issues = venueConfigProblems(config, rules, opts);
  if (issues.length > 0) throw new ConfigError(`invalid config: ${issues.join('; ')}`, issues);
}
