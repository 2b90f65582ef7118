/**
 * A KLG config checked against the venue (what parsing alone cannot know): the grid unit on the exchange
 * step, and a grid that can buy at least one unit without risking liquidation before its stop.
 *
 * Entry points: `venueConfigProblems`, `assertVenueConfig`.
 */

import { ConfigError } from '../../config/format-error.js';
import { type Decimal, floorTo, isMultipleOf } from '../../money.js';
import type { SymbolRules } from '../../symbol-rules.js';
import type { KlgConfig } from './config.js';
import { gridFeasibility } from './margin-guard.js';

/**
 * Checks a KLG config against the venue's rules for its symbol (what parsing alone cannot know). Returns
 * one line per problem, naming the field and the fix; empty when the config fits. `levels` and `wallet`
 * (when known) add the margin check: a grid that cannot buy even one unit without risking liquidation
 * before its stop is refused.
 */
export function venueConfigProblems(
  config: KlgConfig,
  rules: SymbolRules,
  opts: { levels?: readonly Decimal[]; wallet?: Decimal; leverage?: Decimal | null } = {},
): string[] {
  const out: string[] = [];
  const prefix = `instances[${config.id}]`;
  const step = rules.stepSize.times(rules.contractSize);
  const unit = config.base_amount_per_grid;
  if (!isMultipleOf(unit, step)) {
    const below = floorTo(unit, step);
    const above = below.plus(step);
    out.push(
      `${prefix}.base_amount_per_grid: ${unit.toFixed()} is not a multiple of the exchange step ${step.toFixed()} for ${config.symbol}; use ${below.greaterThan(0) ? `${below.toFixed()} or ` : ''}${above.toFixed()}`,
    );
  }
  if (opts.levels && opts.wallet) {
    const why = gridFeasibility({
      config,
      rules,
      levels: opts.levels,
      wallet: opts.wallet,
      leverage: opts.leverage ?? null,
    });
    if (why)
      out.push(`${prefix}.base_amount_per_grid: ${why}; lower it or fund the account with more margin`);
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
