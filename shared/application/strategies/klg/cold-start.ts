/**
 * A Key Level Grid instance without state: lay the grid out on the levels in force and adopt what the
 * account already holds (reverse reconciliation, SPEC §2). A config that cannot work on this venue and
 * balance is refused before anything is laid out — unless the account already holds a position: then it is
 * adopted and protected, and the instance is paused (no buys) with a critical alert naming what to fix.
 */
import type { Decision } from '../../../domain/commands.js';
import { ConfigError } from '../../../domain/config/format-error.js';
import type { KlgConfig } from '../../../domain/strategies/klg/config.js';
import {
  initialKlgState,
  type KlgState,
  pause,
  reverseReconcile,
} from '../../../domain/strategies/klg/index.js';
import { klgReconSnapshot } from '../../../domain/strategies/klg/module.js';
import { venueConfigProblems } from '../../../domain/strategies/klg/venue-config.js';
import type { AppContext } from '../../context.js';
import { gatherSnapshots } from '../../market.js';
import { levelPricesInForce } from './instance.js';

export async function klgColdStart(ctx: AppContext, config: KlgConfig): Promise<Decision<KlgState>> {
  const now = ctx.clock.now();
  const exchange = ctx.exchanges(config.account);
  const rules = await ctx.rules.get(exchange, config.symbol, now);
  const levels = await levelPricesInForce(ctx, config, rules);
  const fresh = initialKlgState(config.id, levels.prices, now, {
    paramsVersion: levels.paramsVersion,
    anchorPrice: levels.anchorPrice,
  });
  const snapshot = klgReconSnapshot(await gatherSnapshots(ctx, config, fresh, now), config);
  const problems = venueConfigProblems(config, rules, {
    levels: levels.prices,
    price: snapshot.price,
    ...(snapshot.margin ? { wallet: snapshot.margin.wallet, leverage: snapshot.margin.leverage } : {}),
  });
  const holding = snapshot.position?.qty.greaterThan(0) === true;
  if (problems.length > 0 && !holding)
    throw new ConfigError(`invalid config: ${problems.join('; ')}`, problems);
  const reversed = reverseReconcile(fresh, snapshot, config, now);
  if (problems.length === 0) return reversed;
  return {
    state: pause(reversed.state, `invalid config: ${problems.join('; ')}`, now),
    commands: [
      ...reversed.commands,
      {
        kind: 'Alert' as const,
        instanceId: config.id,
        severity: 'critical' as const,
        code: 'config_invalid',
        message: `the config cannot work as written; the held position is protected and buys are paused: ${problems.join('; ')}`,
      },
    ],
  };
}
