/**
 * The hedge pairs' runtime: its cold start (a fresh state whose trade cursors start after what each account
 * traded before, every account set to the configured leverage; the first recon pass judges each pair and
 * skips those that hold a position or cannot be read) and its pre-flight (every account in hedge mode, the
 * leverage within what the venue allows). No scheduled jobs besides recon, no commands of its own.
 */
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import type { HedgePairsConfig } from '../../../domain/strategies/hedge-pairs/config.js';
import { hedgePairLegs, initialHedgePairsState } from '../../../domain/strategies/hedge-pairs/module.js';
import type { HedgePairsState } from '../../../domain/strategies/hedge-pairs/state.js';
import type { AppContext } from '../../context.js';
import { afterPastHistory } from '../../market.js';
import type { StrategyRuntime } from '../runtime.js';

function pairsConfig(config: InstanceConfig): HedgePairsConfig {
  if (config.strategy !== 'hedge_pairs') throw new Error(`instance ${config.id} is not hedge pairs`);
  return config;
}

/**
 * Sets the leverage on every account; the accounts that refused, with why (their pairs are skipped: a pair
 * must never open at whatever leverage the account had, its liquidation perhaps before its stop).
 */
async function setLeverage(ctx: AppContext, config: HedgePairsConfig): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const leg of hedgePairLegs(config)) {
    try {
      await ctx.exchanges(leg.account).setLeverage(leg.symbol, config.leverage);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      refused.set(leg.account, why);
      ctx.logger.warn('leverage could not be set; the pair is skipped', {
        instance: config.id,
        account: leg.account,
        error: why,
      });
    }
  }
  return refused;
}

export const hedgePairsRuntime: StrategyRuntime = {
  name: 'hedge_pairs',
  async coldStart(ctx: AppContext, input: InstanceConfig) {
    const config = pairsConfig(input);
    const now = ctx.clock.now();
    const initial: HedgePairsState = initialHedgePairsState(config, now);
    const refused = await setLeverage(ctx, config);
    const state: HedgePairsState = {
      ...initial,
      pairs: initial.pairs.map((p) => {
        const why = [p.long, p.short]
          .filter((a) => refused.has(a))
          .map((a) => `leverage ${config.leverage} could not be set on account ${a} (${refused.get(a)})`);
        return why.length > 0 ? { ...p, status: 'skipped' as const, reason: why.join('; ') } : p;
      }),
    };
    return { state: await afterPastHistory(ctx, config, state, now), commands: [] };
  },
  jobs: {},
  commands: {},
  async preflight(ctx, input) {
    const config = pairsConfig(input);
    const problems: string[] = [];
    for (const leg of hedgePairLegs(config)) {
      const exchange = ctx.exchanges(leg.account);
      try {
        if (!(await exchange.hedgeMode()))
          problems.push(
            `account ${leg.account} is in one-way mode: hedge pairs trade hedge-mode LONG and SHORT positions; turn on the dual-side position mode`,
          );
        const brackets = await exchange.leverageBrackets(leg.symbol);
        const top = brackets.reduce((m, b) => Math.max(m, b.maxLeverage), 0);
        if (top > 0 && config.leverage > top)
          problems.push(
            `leverage ${config.leverage} is above the ${top} ${leg.symbol} allows on account ${leg.account}: lower leverage`,
          );
      } catch (e) {
        problems.push(
          `account ${leg.account} cannot be checked: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    return problems;
  },
};
