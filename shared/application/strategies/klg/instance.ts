/**
 * The level prices a Key Level Grid is built on: levels the config writes down (`manual`, `range`) straight
 * from the config (snapped to the tick), computed ones from the versioned PARAMS item that recompute keeps
 * fresh.
 */

import { fixedLevelPrices } from '../../../domain/analysis/range-levels.js';
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import type { Decimal } from '../../../domain/money.js';
import type { KlgConfig } from '../../../domain/strategies/klg/config.js';
import { roundPrice, type SymbolRules } from '../../../domain/symbol-rules.js';
import type { AppContext } from '../../context.js';
import { ParamsMissingError } from '../../errors.js';
import { loadConfig } from '../../instance.js';

/** Level prices on the tick (manual and range levels are snapped to the nearest tick, half up). */
export function manualLevelPrices(config: KlgConfig, rules: SymbolRules): Decimal[] {
  return (fixedLevelPrices(config.levels) ?? []).map((p) => {
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
  if (fixedLevelPrices(config.levels)) {
    return { prices: manualLevelPrices(config, rules), paramsVersion: null, anchorPrice: null };
  }
  const params = await ctx.store.loadParams(config.id);
  if (!params) throw new ParamsMissingError(config.id);
  return { prices: [...params.levelPrices], paramsVersion: params.version, anchorPrice: params.anchorPrice };
}

/** The config of a Key Level Grid instance (refused when the instance runs another strategy). */
export async function loadKlgConfig(
  ctx: AppContext,
  instanceId: string,
  known?: InstanceConfig,
): Promise<KlgConfig> {
  const config = await loadConfig(ctx, instanceId, known);
  if (config.strategy !== 'key_level_grid')
    throw new Error(
      `instance ${instanceId} runs ${(config as { strategy: string }).strategy}, not the Key Level Grid`,
    );
  return config;
}
