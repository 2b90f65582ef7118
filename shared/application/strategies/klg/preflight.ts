/**
 * The Key Level Grid's pre-flight: its config against what the venue says now (symbol rules, the
 * account's balance, the position). A grid unit off the exchange step, one unit that would already exceed
 * balance × leverage or be liquidated before its stop, is a problem named with its field and fix — unless
 * the account already holds a position, which recon's cold start then adopts, protects and pauses with a
 * critical alert.
 */

import { fixedLevelPrices } from '../../../domain/analysis/range-levels.js';
import type { KlgConfig } from '../../../domain/strategies/klg/config.js';
import { venueConfigProblems } from '../../../domain/strategies/klg/venue-config.js';
import type { AppContext } from '../../context.js';
import { settleAssetOf } from '../../market.js';
import type { PreflightOptions } from '../runtime.js';
import { levelPricesInForce } from './instance.js';

export async function klgPreflight(
  ctx: AppContext,
  inst: KlgConfig,
  opts: PreflightOptions,
): Promise<string[]> {
  const exchange = ctx.exchanges(inst.account);
  const rules = await ctx.rules.get(exchange, inst.symbol, ctx.clock.now());
  const [balance, position] = await Promise.all([
    exchange.balance(settleAssetOf(inst.symbol)),
    exchange.position(inst.symbol, inst.position_side),
  ]);
  if (position.qty.greaterThan(0)) return [];
  const levels =
    fixedLevelPrices(inst.levels) ??
    (opts.manualLevelsOnly ? null : (await levelPricesInForce(ctx, inst, rules)).prices);
  // A quote-sized unit is converted at today's price, as the grid's first recon pass will (before the
  // market is fed, the simulator checks at the highest level instead, and recon's cold start at the price).
  const price =
    inst.quote_amount_per_grid && !opts.manualLevelsOnly
      ? (await exchange.fetchPrice(inst.symbol)).last
      : undefined;
  return venueConfigProblems(inst, rules, {
    ...(levels ? { levels, wallet: balance.wallet } : {}),
    ...(price ? { price } : {}),
    leverage: position.leverage ?? null,
  });
}
