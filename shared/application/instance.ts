/**
 * Loading an instance: its config from the store, and the level prices its grid is built on (manual
 * levels straight from the config, computed ones from the versioned PARAMS item).
 */

import type { Decimal } from '../domain/money.js';
import type { KlgConfig } from '../domain/strategies/klg/config.js';
import { roundPrice, type SymbolRules } from '../domain/symbol-rules.js';
import type { AppContext } from './context.js';
import { InstanceNotFoundError, ParamsMissingError } from './errors.js';

/**
 * The instance's config: `known` when the caller has just read it (a scheduled job gets it from the
 * listing that chose the instance), otherwise from the store.
 */
export async function loadKlgConfig(
  ctx: AppContext,
  instanceId: string,
  known?: KlgConfig,
): Promise<KlgConfig> {
  if (known && known.id === instanceId) return known;
  const config = await ctx.store.getConfig(instanceId);
  if (!config) throw new InstanceNotFoundError(instanceId);
  return config;
}

/** Level prices on the tick (manual levels are snapped to the nearest tick, half up). */
export function manualLevelPrices(config: KlgConfig, rules: SymbolRules): Decimal[] {
  if (config.levels.source !== 'manual') return [];
  return config.levels.prices.map((p) => {
    const down = roundPrice(p, 'buy', rules);
    const up = roundPrice(p, 'sell', rules);
    return p.minus(down).lessThan(up.minus(p)) ? down : up;
  });
}

/** The levels in force: manual ones, or the latest PARAMS version. */
export async function levelPricesInForce(
  ctx: AppContext,
  config: KlgConfig,
  rules: SymbolRules,
): Promise<{ prices: Decimal[]; paramsVersion: number | null; anchorPrice: Decimal | null }> {
  if (config.levels.source === 'manual') {
    return { prices: manualLevelPrices(config, rules), paramsVersion: null, anchorPrice: null };
  }
  const params = await ctx.store.loadParams(config.id);
  if (!params) throw new ParamsMissingError(config.id);
  return { prices: [...params.levelPrices], paramsVersion: params.version, anchorPrice: params.anchorPrice };
}
