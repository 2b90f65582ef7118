/**
 * Before a live run starts (`gridbot run`), every instance's config is checked against what the venue
 * says now: its symbol rules, the account's balance and the position. A config that cannot work (a grid
 * unit off the exchange step, one unit that would already exceed balance × leverage or be liquidated before
 * its stop) is refused with the field and the fix — unless the account already holds a position, which
 * recon's cold start then adopts, protects and pauses with a critical alert. `gridbot run` and `gridbot sim`
 * both call it before anything trades.
 */
import { ConfigError } from '../domain/config/format-error.js';
import type { KlgConfig } from '../domain/strategies/klg/config.js';
import { venueConfigProblems } from '../domain/strategies/klg/venue-config.js';
import type { AppContext } from './context.js';
import { levelPricesInForce } from './instance.js';
import { settleAssetOf } from './market.js';

export interface PreflightOptions {
  /**
   * Check the margin only for levels known without market history (manual levels): the simulator checks
   * before it has fed the history that ATR or key levels need; recon's cold start checks those.
   */
  readonly manualLevelsOnly?: boolean;
}

export async function preflightInstances(
  ctx: AppContext,
  instances: readonly KlgConfig[],
  opts: PreflightOptions = {},
): Promise<void> {
  const problems: string[] = [];
  for (const inst of instances) {
    const exchange = ctx.exchanges(inst.account);
    const rules = await ctx.rules.get(exchange, inst.symbol, ctx.clock.now());
    const [balance, position] = await Promise.all([
      exchange.balance(settleAssetOf(inst.symbol)),
      exchange.position(inst.symbol, inst.position_side),
    ]);
    if (position.qty.greaterThan(0)) continue;
    const levels =
      inst.levels.source === 'manual'
        ? inst.levels.prices
        : opts.manualLevelsOnly
          ? null
          : (await levelPricesInForce(ctx, inst, rules)).prices;
    problems.push(
      ...venueConfigProblems(inst, rules, {
        ...(levels ? { levels, wallet: balance.wallet } : {}),
        leverage: position.leverage ?? null,
      }),
    );
  }
  if (problems.length > 0) throw new ConfigError(`invalid config: ${problems.join('; ')}`, problems);
}
